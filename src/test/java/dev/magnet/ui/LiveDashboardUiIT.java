package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard follows the workspace's event stream: a session created elsewhere appears, and its end shows, without
 * the page polling the list (it reads the list again only when the stream says something changed).
 */
class LiveDashboardUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD));
    private static Browser browser;
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = magnet.server();
        browser = Browser.signedInAdmin(server, magnet.dir().resolve("chromium-profile"), TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void a_session_created_elsewhere_appears_and_completes_on_the_open_dashboard_without_polling() throws Exception {
        magnet.model().script(Script.of(Turn.reply().text("Live answer.")));
        browser.open("/");
        browser.awaitVisible(".session-list", TIMEOUT);
        Thread.sleep(1000);
        long before = listReads();

        String id = server.createSession(Map.of("prompt", "Appears without a reload")).path("id").asText();
        browser.await(Duration.ofSeconds(10), "the new row", d -> !browser.all(".session-list li[data-id='" + id + "']").isEmpty());
        server.awaitEnd(id);
        browser.await(Duration.ofSeconds(10), "the completed badge",
                d -> !browser.all(".session-list li[data-id='" + id + "'][data-status='completed']").isEmpty());
        browser.screenshot("dashboard-live");

        long afterChanges = listReads();
        assertThat(afterChanges - before).as("list reads, one per burst of changes").isBetween(1L, 12L);
        Thread.sleep(7000);
        assertThat(listReads()).as("no polling while nothing changes (it polled every 3 s)").isEqualTo(afterChanges);
        assertThat(browser.consoleErrors()).isEmpty();
    }

    @Test
    void the_stream_says_which_sessions_changed_and_refuses_a_request_that_is_not_for_a_stream() throws Exception {
        assertThat(server.get("/api/workspace/events").status()).isEqualTo(406);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/workspace/events"))
                .header("x-api-key", TestServer.API_KEY).header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(stream.statusCode()).isEqualTo(200);
        magnet.model().script(Script.of(Turn.reply().text("Streamed.")));
        String id = server.createSession(Map.of("prompt", "Tell the stream")).path("id").asText();
        try (Stream<String> lines = stream.body()) {
            assertThat(lines.filter(l -> l.startsWith("data: ")).findFirst().orElseThrow()).contains(id);
        }
        server.awaitEnd(id);
    }

    /** How many times the page read the session list. */
    private static long listReads() {
        Object n = browser.js("return performance.getEntriesByType('resource').filter(e => e.name.includes('/api/sessions?')).length;");
        return ((Number) n).longValue();
    }
}
