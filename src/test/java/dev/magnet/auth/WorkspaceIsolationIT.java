package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.Browser;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Acceptance test 1: workspace A's sessions, streams, diffs and keys do not exist for workspace B's user and key. */
class WorkspaceIsolationIT {
    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ADMIN_PASSWORD", "admin-password-for-tests"));
    static TestServer server;
    static Browser userB;
    static String keyB;
    static String sessionA;
    static String keyIdA;

    @BeforeAll
    static void start() {
        server = magnet.server();
        sessionA = server.createSession(Map.of("prompt", "a task of workspace A")).path("id").asText();
        server.awaitStatus(sessionA, "completed", Duration.ofSeconds(90));
        keyIdA = server.post("/api/keys", Map.of("name", "A's key")).json().path("id").asText();

        Browser admin = new Browser(server.baseUrl());
        admin.signIn(Bootstrap.ADMIN_EMAIL, "admin-password-for-tests");
        String workspaceB = admin.post("/api/workspaces", Map.of("name", "B")).json().path("id").asText();
        admin.post("/api/me/workspace", Map.of("workspaceId", workspaceB));
        String invite = admin.post("/api/workspace/invites", Map.of("role", "admin")).json().path("token").asText();
        userB = new Browser(server.baseUrl());
        Browser.Answer joined = userB.post("/api/invites/" + invite + "/accept",
                Map.of("name", "Bea", "email", "bea@b.test", "password", "bea-password-1"));
        assertThat(joined.status()).as(joined.body()).isEqualTo(200);
        assertThat(joined.json().path("workspaces")).hasSize(1);
        keyB = userB.post("/api/keys", Map.of("name", "B's key")).json().path("key").asText();
        server.createSessionAs(keyB, "a task of workspace B");
    }

    static List<Arguments> sessionRoutes() {
        return List.of(
                Arguments.of("GET", "/api/sessions/%s", null),
                Arguments.of("PATCH", "/api/sessions/%s", "{\"title\": \"taken over\"}"),
                Arguments.of("POST", "/api/sessions/%s/messages", "{\"text\": \"hello\"}"),
                Arguments.of("POST", "/api/sessions/%s/interrupt", null),
                Arguments.of("POST", "/api/sessions/%s/cancel", null),
                Arguments.of("POST", "/api/sessions/%s/retry", "{}"),
                Arguments.of("GET", "/api/sessions/%s/events", null),
                Arguments.of("GET", "/api/sessions/%s/diff", null),
                Arguments.of("GET", "/api/sessions/%s/diff?format=json", null),
                Arguments.of("GET", "/api/keys/%s", null),
                Arguments.of("DELETE", "/api/keys/%s", null));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("sessionRoutes")
    void a_route_on_a_thing_of_workspace_a_answers_404_to_the_user_and_key_of_workspace_b(String method, String path, String body) {
        String url = path.formatted(path.startsWith("/api/keys") ? keyIdA : sessionA);
        Browser.Answer byCookie = userB.send(method, url, body, true, Map.of());
        assertThat(byCookie.status()).as(byCookie.body()).isEqualTo(404);
        assertThat(byCookie.header("content-type")).startsWith("application/problem+json");
        TestServer.Response byKey = server.send(method, url, body, keyB, Map.of());
        assertThat(byKey.status()).as(byKey.body()).isEqualTo(404);
        assertThat(byKey.contentType()).startsWith("application/problem+json");
    }

    @Test
    void the_event_stream_of_a_session_of_workspace_a_answers_404_to_workspace_b() {
        TestServer.Response sse = server.send("GET", "/api/sessions/" + sessionA + "/events", null, keyB,
                Map.of("Accept", "text/event-stream"));
        assertThat(sse.status()).isEqualTo(404);
        Browser.Answer byCookie = userB.send("GET", "/api/sessions/" + sessionA + "/events", null, true,
                Map.of("Accept", "text/event-stream"));
        assertThat(byCookie.status()).isEqualTo(404);
    }

    @Test
    void the_listings_of_workspace_b_never_show_workspace_a() {
        String listing = server.send("GET", "/api/sessions?limit=100", null, keyB, Map.of()).body();
        assertThat(listing).doesNotContain(sessionA).contains("a task of workspace B");
        assertThat(userB.get("/api/sessions?q=workspace").body()).doesNotContain(sessionA);
        assertThat(userB.get("/api/keys?all=true").body()).doesNotContain(keyIdA);
        assertThat(userB.get("/api/audit?limit=500").body()).doesNotContain(sessionA).doesNotContain(keyIdA);
        assertThat(userB.get("/api/workspace/members").json().path("members")).hasSize(2);
        assertThat(server.get("/api/sessions/" + sessionA).status()).isEqualTo(200);
        assertThat(server.session(sessionA).path("title").asText()).isEqualTo("a task of workspace A");
    }
}
