package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.auth.Bootstrap;
import dev.magnet.testing.Browser;
import dev.magnet.testing.FakeGitHub;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestResource;
import dev.magnet.testing.TestServer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server's GitHub credentials ({@code MAGNET_GITHUB_*}) serve only the workspaces the operator shares them with
 * ({@code MAGNET_GITHUB_SHARED_WITH}, by default the workspace made on the first start); to the others they do not
 * exist, and those can still set their own.
 */
class SharedGitHubCredentialsIT {
    private static final String ADMIN_PASSWORD = "admin-password-for-tests";
    private static final String REPO = "acme/web-app";

    @RegisterExtension
    @Order(1)
    final TestResource<FakeGitHub> fakeGitHub = TestResource.inTempDir(dir -> {
        FakeGitHub github = FakeGitHub.start(dir);
        github.addRepo(REPO);
        return github;
    });
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(() -> environment(null));
    private FakeGitHub github;
    private TestServer server;

    @BeforeEach
    void start() {
        github = fakeGitHub.get();
        server = magnet.server();
    }

    private Map<String, String> environment(String sharedWith) {
        Map<String, String> env = new HashMap<>(fakeGitHub.get().appEnvironment("webhook-secret-for-tests-0123"));
        env.put("MAGNET_ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("MAGNET_MAX_SESSIONS", "1");
        if (sharedWith != null) {
            env.put("MAGNET_GITHUB_SHARED_WITH", sharedWith);
        }
        return env;
    }

    /** Makes a second workspace (the first-start admin may) and returns its id and an API key of it. */
    private String[] secondWorkspace() {
        Browser admin = new Browser(server.baseUrl());
        assertThat(admin.signIn(Bootstrap.ADMIN_EMAIL, ADMIN_PASSWORD).status()).isEqualTo(200);
        Browser.Answer created = admin.post("/api/workspaces", Map.of("name", "Second"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.json().path("id").asText();
        admin.post("/api/me/workspace", Map.of("workspaceId", id));
        String key = admin.post("/api/keys", Map.of("name", "second's")).json().path("key").asText();
        return new String[] {id, key};
    }

    private TestServer.Response createGitHubSession(String apiKey) {
        return server.send("POST", "/api/sessions", "{\"prompt\": \"look at it\", \"repo\": \"" + REPO + "\"}", apiKey, Map.of());
    }

    @Test
    void a_second_workspace_cannot_use_the_servers_github_credentials_but_can_set_its_own() {
        String[] second = secondWorkspace();
        String secondKey = second[1];

        TestServer.Response first = createGitHubSession(TestServer.API_KEY);
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        assertThat(first.session().path("repo").asText()).isEqualTo(REPO);

        TestServer.Response refused = createGitHubSession(secondKey);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("field").asText()).isEqualTo("repo");
        assertThat(refused.json().path("detail").asText()).contains("MAGNET_GITHUB_SHARED_WITH");
        assertThat(server.send("GET", "/api/github/integration", null, secondKey, Map.of()).json().path("configured").asBoolean())
                .isFalse();
        assertThat(server.get("/api/github/integration").json().path("configured").asBoolean()).isTrue();

        TestServer.Response own = server.send("PUT", "/api/github/integration",
                "{\"apiUrl\": \"" + github.apiUrl() + "\", \"token\": \"" + FakeGitHub.PERSONAL_TOKEN + "\"}", secondKey, Map.of());
        assertThat(own.status()).as(own.body()).isEqualTo(200);
        assertThat(createGitHubSession(secondKey).status()).isEqualTo(201);

        assertThat(server.send("DELETE", "/api/github/integration", null, secondKey, Map.of()).status()).isEqualTo(204);
        assertThat(createGitHubSession(secondKey).status()).isEqualTo(400);
    }

    @Test
    void a_workspace_the_operator_lists_may_use_the_servers_github_credentials() {
        String[] second = secondWorkspace();
        assertThat(createGitHubSession(second[1]).status()).isEqualTo(400);

        server = magnet.restart(environment("first, " + second[0]));
        TestServer.Response listed = createGitHubSession(second[1]);
        assertThat(listed.status()).as(listed.body()).isEqualTo(201);
        assertThat(createGitHubSession(TestServer.API_KEY).status()).isEqualTo(201);
    }
}
