package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * Live preview in a real headless Chromium (issue 12, acceptance 1, 2 and 4): signed in, the Preview tab shows the page
 * the run script serves, in a frame of its own origin; the agent's edit shows after Reload; a WebSocket echo goes
 * through the preview; a script in the previewed page can read neither Magnet's API nor its cookies, and the app
 * received none of them (read on the host); once the session completed and its workspace was torn down while idle,
 * "Start preview" brings the page back.
 */
class PreviewUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int APP_PORT = 8000;

    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of(
            "MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD,
            "MAGNET_SANDBOX_IDLE_SECONDS", "1",
            "MAGNET_LEASE_SECONDS", "6"));
    private static Browser browser;
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = magnet.server();
        browser = Browser.start(server.baseUrl(), magnet.dir().resolve("chromium-profile"));
        browser.open("/");
        browser.submitSignIn(WebUiIT.ADMIN_EMAIL, WebUiIT.ADMIN_PASSWORD, TIMEOUT);
        browser.awaitVisible(".account-menu", TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void the_preview_tab_shows_the_app_live_and_start_preview_brings_it_back_after_teardown() throws Exception {
        Path origin = GitFixtures.bareOriginWith(magnet.dir(), Map.of("server.py", PreviewApp.SERVER,
                "index.html", PreviewApp.page("before edit"), "app.js", PreviewApp.script(server.baseUrl())));
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("name", "preview-ui");
        env.put("image", "host");
        env.put("runScript", "exec python3 -u server.py " + APP_PORT);
        env.put("previewPort", APP_PORT);
        String envId = server.post("/api/environments", env).json().path("id").asText();
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "until [ -f /tmp/go ]; do sleep 0.2; done; "
                        + "sed -i 's/before edit/after edit/' index.html; until [ -f /tmp/done ]; do sleep 0.2; done",
                        "description", "edit the page")),
                Turn.reply().text("Edited the page.")));
        String id = server.createSession(Map.of("prompt", "Edit the page", "environmentId", envId, "repo", origin.toString()))
                .path("id").asText();
        Path tmp = server.dataDir().resolve("sessions").resolve(id).resolve("tmp");

        browser.open("/sessions/" + id + "/preview");
        browser.awaitVisible(".preview-state[data-state=listening]", TIMEOUT);
        inFrame(() -> {
            browser.await(TIMEOUT, "the page", d -> text(d, "#title").equals("before edit"));
            browser.await(TIMEOUT, "the WebSocket echo", d -> text(d, "#ws").equals("echo: ping"));
            browser.await(TIMEOUT, "the API probe", d -> !text(d, "#api").isEmpty());
            assertThat(text(browser.driver(), "#api")).as("Magnet's API from the previewed page").isEqualTo("blocked");
            assertThat(text(browser.driver(), "#cookies")).as("cookies the page can read").isEqualTo("none");
        });
        browser.screenshot("preview-before");

        Files.writeString(tmp.resolve("go"), "");
        browser.await(TIMEOUT, "the agent's edit", d -> {
            d.findElement(By.xpath("//button[text()='Reload']")).click();
            return inFrame(() -> text(browser.driver(), "#title").equals("after edit"));
        });
        browser.screenshot("preview-after");
        String seen = Files.readString(tmp.resolve("seen.txt"));
        assertThat(seen).as("what the app received, read on the host").contains("/ws")
                .doesNotContain("magnet_session").doesNotContain("magnet_csrf").doesNotContain("magnet_preview")
                .doesNotContain(TestServer.API_KEY);

        Files.writeString(tmp.resolve("done"), "");
        server.awaitStatus(id, "completed", TIMEOUT);
        Path workspace = server.dataDir().resolve("sessions").resolve(id).resolve("workspace");
        browser.await(TIMEOUT, "the idle teardown", d -> !Files.exists(workspace));
        browser.awaitVisible(".preview-state[data-state=stopped]", TIMEOUT);
        browser.awaitVisible("section.preview button.primary", TIMEOUT).click();
        browser.awaitVisible(".preview-state[data-state=listening]", TIMEOUT);
        inFrame(() -> browser.await(TIMEOUT, "the page again", d -> text(d, "#title").equals("after edit")));
        browser.screenshot("preview-restarted");
        assertThat(server.session(id).path("status").asText()).isEqualTo("completed");
    }

    private static String text(WebDriver d, String css) {
        return d.findElements(By.cssSelector(css)).stream().findFirst().map(e -> e.getText().strip()).orElse("");
    }

    private static <T> T inFrame(java.util.function.Supplier<T> work) {
        WebDriver d = browser.driver();
        d.switchTo().frame(browser.find("iframe.preview-frame"));
        try {
            return work.get();
        } finally {
            d.switchTo().defaultContent();
        }
    }

    private static void inFrame(Runnable work) {
        inFrame(() -> {
            work.run();
            return null;
        });
    }
}
