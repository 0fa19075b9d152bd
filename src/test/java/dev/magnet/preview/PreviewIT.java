package dev.magnet.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.git.BranchName;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.HostHttp;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Live preview end to end with the real CLI in bubblewrap (issue 12): an environment's run script (a small Python web
 * server) runs in the session's sandbox while the scripted agent works, and its page is reached through the preview
 * proxy, by API key or by the cookie of a one-time link, never without; what reaches the app carries none of Magnet's
 * credentials; a crashing run script shows {@code exited} with its output while the session carries on; a run script
 * that plants a link to a socket of the host in the preview folder reaches nothing.
 */
class PreviewIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final int APP_PORT = 8000;
    private static final String SERVER = """
            import http.server, sys

            class Handler(http.server.SimpleHTTPRequestHandler):
                def do_GET(self):
                    with open('/tmp/seen.txt', 'a') as seen:
                        seen.write(str(self.headers) + '\\n')
                    if self.path == '/headers':
                        body = str(self.headers).encode()
                        self.send_response(200)
                        self.send_header('Content-Type', 'text/plain')
                        self.send_header('Content-Length', str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                        return
                    return super().do_GET()

                def log_message(self, fmt, *args):
                    print('served ' + self.path, flush=True)

            print('listening on %d' % int(sys.argv[1]), flush=True)
            http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
            """;

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    @Test
    void the_run_scripts_page_is_previewed_by_members_only_and_shows_the_agents_edit() throws Exception {
        TestServer server = magnet.server();
        Path origin = GitFixtures.bareOriginWith(magnet.dir(), Map.of("server.py", SERVER, "index.html", "<h1>before edit</h1>\n"));
        String envId = environment(server, "exec python3 -u server.py " + APP_PORT, APP_PORT);
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "until [ -f /tmp/go ]; do sleep 0.2; done; "
                        + "echo '<h1>after edit</h1>' > index.html; until [ -f /tmp/done ]; do sleep 0.2; done; echo edited",
                        "description", "edit the page")),
                Turn.reply().text("Edited the page.")));
        String id = server.createSession(Map.of("prompt", "Edit the page", "environmentId", envId, "repo", origin.toString()))
                .path("id").asText();
        Path tmp = server.dataDir().resolve("sessions").resolve(id).resolve("tmp");

        JsonNode listening = awaitSession(server, id, s -> s.path("preview").path("state").asText().equals("listening"));
        String url = listening.path("preview").path("url").asText();
        String host = BranchName.shortId(id) + ".preview.localhost:" + server.magnet().previewPort();
        assertThat(url).isEqualTo("http://" + host + "/");
        assertThat(listening.path("runScript").path("state").asText()).isEqualTo("listening");
        int port = server.magnet().previewPort();

        assertThat(HostHttp.get(port, host, "/", Map.of()).status()).as("no credentials").isEqualTo(401);
        HostHttp.Answer browser = HostHttp.get(port, host, "/", Map.of("Accept", "text/html"));
        assertThat(browser.status()).as("a browser is sent to sign in").isEqualTo(302);
        assertThat(browser.headers().get("location")).as("Magnet's own page (MAGNET_PUBLIC_URL)").startsWith("http://localhost:")
                .doesNotContain("preview");
        assertThat(HostHttp.get(port, host, "/", Map.of("x-api-key", "mgt_wrong")).status()).isEqualTo(401);
        HostHttp.Answer byKey = HostHttp.get(port, host, "/", Map.of("x-api-key", TestServer.API_KEY));
        assertThat(byKey.status()).isEqualTo(200);
        assertThat(byKey.body()).contains("before edit");

        TestServer.Response link = server.post("/api/sessions/" + id + "/preview/link", Map.of());
        assertThat(link.status()).as(link.body()).isEqualTo(201);
        String enter = link.json().path("url").asText().substring(url.length() - 1);
        HostHttp.Answer entered = HostHttp.get(port, host, enter, Map.of());
        assertThat(entered.status()).isEqualTo(303);
        String cookie = entered.headers().get("set-cookie").split(";")[0];
        assertThat(cookie).startsWith("magnet_preview=");
        assertThat(entered.headers().get("set-cookie")).contains("HttpOnly").doesNotContainIgnoringCase("domain");
        assertThat(HostHttp.get(port, host, enter, Map.of()).status()).as("the link works once").isEqualTo(403);
        String otherHost = "abcdef12.preview.localhost:" + port;
        assertThat(HostHttp.get(port, otherHost, "/", Map.of("Cookie", cookie)).status()).as("another session's origin")
                .isEqualTo(401);

        HostHttp.Answer headers = HostHttp.get(port, host, "/headers", Map.of(
                "Cookie", cookie + "; magnet_session=browser-secret; app=kept",
                "Authorization", "Bearer magnet-secret", "X-CSRF-Token", "csrf-secret"));
        assertThat(headers.status()).isEqualTo(200);
        assertThat(headers.body()).contains("app=kept").doesNotContain("magnet_").doesNotContain("secret")
                .doesNotContainIgnoringCase("authorization");

        Files.writeString(tmp.resolve("go"), "");
        awaitPage(port, host, cookie, "after edit");
        Files.writeString(tmp.resolve("done"), "");
        server.awaitStatus(id, "completed", TIMEOUT);

        JsonNode done = awaitSession(server, id, s -> s.path("runScript").path("state").asText().equals("stopped"));
        assertThat(done.path("preview").path("state").asText()).isEqualTo("stopped");
        assertThat(HostHttp.get(port, host, "/", Map.of("x-api-key", TestServer.API_KEY)).status()).as("stopped with its sandbox")
                .isEqualTo(404);
        String seen = Files.readString(tmp.resolve("seen.txt"));
        assertThat(seen).as("what the app received, read on the host").contains("app=kept")
                .doesNotContain(TestServer.API_KEY).doesNotContain("magnet_").doesNotContain("secret");
        assertThat(server.get("/api/sessions/" + id + "/events?limit=1000").body()).contains("run_output")
                .contains("listening on " + APP_PORT);
    }

    @Test
    void a_crashing_run_script_shows_exited_with_its_output_and_the_session_carries_on() {
        TestServer server = magnet.server();
        String envId = environment(server, "echo warming up\necho 'boom: the dev server crashed' >&2\nexit 3", APP_PORT);
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "sleep 3; echo still here", "description", "wait")),
                Turn.reply().text("Carried on.")));
        String id = server.createSession(Map.of("prompt", "Carry on", "environmentId", envId)).path("id").asText();

        JsonNode exited = awaitSession(server, id, s -> s.path("runScript").path("state").asText().equals("exited"));
        assertThat(exited.path("runScript").path("exitCode").asInt()).isEqualTo(3);
        assertThat(exited.path("preview").path("state").asText()).isEqualTo("exited");
        server.awaitStatus(id, "completed", TIMEOUT);
        String events = server.get("/api/sessions/" + id + "/events?limit=1000").body();
        assertThat(events).contains("warming up").contains("boom: the dev server crashed").contains("still here");
        assertThat(server.session(id).path("runScript").path("state").asText()).as("not overwritten at teardown")
                .isEqualTo("exited");
    }

    @Test
    void a_run_script_that_plants_links_to_host_sockets_in_the_preview_folder_reaches_nothing() throws Exception {
        TestServer server = magnet.server();
        Path hostSocket = Path.of("/tmp", "magnet-preview-bait-" + ProcessHandle.current().pid() + ".sock");
        Files.deleteIfExists(hostSocket);
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocketChannel bait = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            bait.bind(UnixDomainSocketAddress.of(hostSocket));
            Thread.ofVirtual().start(() -> {
                while (bait.isOpen()) {
                    try (SocketChannel c = bait.accept()) {
                        connections.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            String hostile = String.join("\n",
                    "cd /run/magnet/preview",
                    "ln /run/magnet/proxy.sock app.sock 2>&1 || echo 'hard link refused'",
                    "ln -sfn " + hostSocket + " app.sock && echo planted",
                    "python3 -c 'import time; time.sleep(60)'");
            String envId = environment(server, hostile, APP_PORT);
            magnet.model().script(Script.of(
                    Turn.reply().toolUse("Bash", Map.of("command", "until [ -f /tmp/done ]; do sleep 0.2; done", "description", "wait")),
                    Turn.reply().text("Done.")));
            String id = server.createSession(Map.of("prompt", "Wait", "environmentId", envId)).path("id").asText();
            awaitSession(server, id, s -> s.path("runScript").path("state").asText().equals("starting"));
            int port = server.magnet().previewPort();
            String host = BranchName.shortId(id) + ".preview.localhost:" + port;
            awaitEvents(server, id, "planted");
            for (int i = 0; i < 5; i++) {
                HostHttp.Answer a = HostHttp.get(port, host, "/", Map.of("x-api-key", TestServer.API_KEY));
                assertThat(a.status()).as(a.body()).isEqualTo(502);
            }
            assertThat(connections.get()).as("the host's socket was never reached").isZero();
            assertThat(server.session(id).path("runScript").path("state").asText()).isEqualTo("starting");
            Files.writeString(server.dataDir().resolve("sessions").resolve(id).resolve("tmp").resolve("done"), "");
            server.awaitStatus(id, "completed", TIMEOUT);
            assertThat(server.get("/api/sessions/" + id + "/events?limit=1000").body()).contains("hard link refused");
        } finally {
            Files.deleteIfExists(hostSocket);
        }
    }

    private static String environment(TestServer server, String runScript, int port) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "preview-" + System.nanoTime());
        body.put("image", "host");
        body.put("runScript", runScript);
        body.put("previewPort", port);
        TestServer.Response created = server.post("/api/environments", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("id").asText();
    }

    private static JsonNode awaitSession(TestServer server, String id, Predicate<JsonNode> until) {
        Instant deadline = Instant.now().plus(TIMEOUT);
        JsonNode s = server.session(id);
        while (!until.test(s)) {
            assertThat(Instant.now()).as("waiting on session %s: %s", id, s).isBefore(deadline);
            sleep();
            s = server.session(id);
        }
        return s;
    }

    private static void awaitEvents(TestServer server, String id, String text) {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (!server.get("/api/sessions/" + id + "/events?limit=1000").body().contains(text)) {
            assertThat(Instant.now()).as("waiting for %s", text).isBefore(deadline);
            sleep();
        }
    }

    private static void awaitPage(int port, String host, String cookie, String text) {
        Instant deadline = Instant.now().plus(TIMEOUT);
        HostHttp.Answer a = HostHttp.get(port, host, "/", Map.of("Cookie", cookie));
        while (!a.body().contains(text)) {
            assertThat(a.status()).isEqualTo(200);
            assertThat(Instant.now()).as("waiting for the page to show %s", text).isBefore(deadline);
            sleep();
            a = HostHttp.get(port, host, "/", Map.of("Cookie", cookie));
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
