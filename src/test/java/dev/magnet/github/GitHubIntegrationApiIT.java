package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeGitHub;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestResource;
import dev.magnet.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Setting the integration through the API (checked against GitHub first: a fake on loopback, never the internet), testing
 * the connection, the repositories it reaches for the picker, and what happens to GitHub repositories without one.
 */
class GitHubIntegrationApiIT {
    private static final String TOKEN = FakeGitHub.PERSONAL_TOKEN;

    @RegisterExtension
    @Order(1)
    final TestResource<FakeGitHub> fakeGitHub = TestResource.inTempDir(dir -> {
        FakeGitHub github = FakeGitHub.start(dir);
        for (String repo : List.of("acme/web-app", "acme/api", "acme/docs", "other/tool")) {
            github.addRepo(repo);
        }
        return github;
    });
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();
    private FakeGitHub github;
    private TestServer server;

    @BeforeEach
    void start() {
        github = fakeGitHub.get();
        server = magnet.server();
    }

    private TestServer.Response putIntegration(Map<String, Object> settings) {
        return server.send("PUT", "/api/github/integration", TestServer.write(settings), TestServer.API_KEY, Map.of());
    }

    private TestServer.Response testConnection(Map<String, Object> settings) {
        return server.send("POST", "/api/github/integration/test", settings == null ? null : TestServer.write(settings), TestServer.API_KEY,
                Map.of());
    }

    @Test
    void a_refused_token_is_a_400_naming_the_token_and_nothing_is_stored() {
        String before = server.get("/api/github/integration").body();
        TestServer.Response refused = putIntegration(Map.of("apiUrl", github.apiUrl(), "token", "ghp_" + "revokedToken0123456789"));
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().path("field").asText()).isEqualTo("token");
        assertThat(refused.json().path("detail").asText()).contains("nothing was changed").contains("Bad credentials").contains("GET /user");
        assertThat(server.get("/api/github/integration").body()).isEqualTo(before);

        TestServer.Response tested = testConnection(Map.of("apiUrl", github.apiUrl(), "token", "ghp_" + "revokedToken0123456789"));
        assertThat(tested.status()).isEqualTo(400);
        assertThat(tested.json().path("field").asText()).isEqualTo("token");
    }

    @Test
    void an_app_whose_key_github_does_not_know_is_refused_naming_the_private_key() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String otherKey = "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(generator.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        TestServer.Response refused = putIntegration(Map.of("apiUrl", github.apiUrl(), "appId", String.valueOf(FakeGitHub.APP_ID),
                "privateKey", otherKey));
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().path("field").asText()).isEqualTo("privateKey");
        assertThat(refused.json().path("detail").asText()).contains("GitHub App " + FakeGitHub.APP_ID).contains("401");
        assertThat(server.get("/api/github/integration").json().path("configured").asBoolean()).isFalse();
    }

    @Test
    void an_api_url_where_no_github_answers_is_refused_naming_the_api_url() {
        TestServer.Response refused = putIntegration(Map.of("apiUrl", "http://127.0.0.1:" + github.port() + "/nowhere", "token", TOKEN));
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().path("field").asText()).isEqualTo("apiUrl");
        assertThat(server.get("/api/github/integration").json().path("configured").asBoolean()).isFalse();
    }

    @Test
    void an_app_is_tested_by_minting_an_installation_token_and_its_repositories_are_the_picker() {
        TestServer.Response tested = testConnection(Map.of("apiUrl", github.apiUrl(), "appId", String.valueOf(FakeGitHub.APP_ID),
                "privateKey", github.privateKeyPem()));
        assertThat(tested.status()).as(tested.body()).isEqualTo(200);
        assertThat(tested.json().path("account").asText()).isEqualTo("magnet-test");
        assertThat(tested.json().path("repositories").asInt()).isEqualTo(4);
        assertThat(server.get("/api/github/integration").json().path("configured").asBoolean()).as("a test stores nothing").isFalse();
        assertThat(github.requests()).anyMatch(r -> r.path().equals("/installation/repositories"));

        assertThat(putIntegration(Map.of("apiUrl", github.apiUrl(), "appId", String.valueOf(FakeGitHub.APP_ID),
                "privateKey", github.privateKeyPem())).status()).isEqualTo(200);
        assertThat(testConnection(null).status()).as("the saved integration tests too").isEqualTo(200);
        JsonNode listed = server.get("/api/github/repositories?q=ACME&perPage=2").json();
        assertThat(listed.path("configured").asBoolean()).isTrue();
        assertThat(listed.path("total").asInt()).isEqualTo(3);
        assertThat(listed.path("repositories").findValuesAsText("fullName")).containsExactly("acme/api", "acme/docs");
        assertThat(listed.path("nextPage").asInt()).isEqualTo(2);
        JsonNode second = server.get("/api/github/repositories?q=acme&perPage=2&page=2").json();
        assertThat(second.path("repositories").findValuesAsText("fullName")).containsExactly("acme/web-app");
        assertThat(second.path("nextPage").isNull()).isTrue();
        assertThat(server.get("/api/github/repositories?perPage=0").status()).isEqualTo(400);
        assertThat(server.get("/api/github/repositories").toString()).doesNotContain(github.privateKeyPem());
    }

    @Test
    void the_repository_list_is_read_through_the_token_in_pages_and_kept_for_a_while() {
        for (int i = 0; i < 120; i++) {
            github.addRepo(String.format("many/repo-%03d", i));
        }
        assertThat(putIntegration(Map.of("apiUrl", github.apiUrl(), "token", TOKEN)).status()).isEqualTo(200);
        JsonNode listed = server.get("/api/github/repositories?q=many/&perPage=100").json();
        assertThat(listed.path("total").asInt()).as("GitHub's pages of 100 followed").isEqualTo(120);
        long calls = github.requests().stream().filter(r -> r.path().equals("/user/repos")).count();
        server.get("/api/github/repositories?page=2&perPage=100");
        assertThat(github.requests().stream().filter(r -> r.path().equals("/user/repos")).count()).as("cached").isEqualTo(calls);
    }

    @Test
    void past_the_first_thousand_repositories_a_repository_typed_in_full_is_looked_up_on_github() {
        github.addListedRepos("bulk", 1005);
        assertThat(putIntegration(Map.of("apiUrl", github.apiUrl(), "token", TOKEN)).status()).isEqualTo(200);
        JsonNode first = server.get("/api/github/repositories?perPage=100").json();
        assertThat(first.path("total").asInt()).as("the first thousand").isEqualTo(1000);
        assertThat(first.path("complete").asBoolean()).isFalse();

        JsonNode found = server.get("/api/github/repositories?q=Bulk/Repo-1003").json();
        assertThat(found.path("repositories").get(0).path("fullName").asText()).isEqualTo("bulk/repo-1003");
        assertThat(found.path("repositories").get(0).path("defaultBranch").asText()).isEqualTo("main");
        assertThat(server.get("/api/github/repositories?q=other/tool").json().path("repositories").get(0).path("fullName").asText())
                .isEqualTo("other/tool");
        assertThat(server.get("/api/github/repositories?q=bulk/repo-9999").json().path("repositories")).as("not on GitHub").isEmpty();
        assertThat(server.get("/api/github/repositories?q=repo-1003").json().path("repositories"))
                .as("only a full name is looked up").isEmpty();
    }

    @Test
    void without_an_integration_the_repository_list_says_so_and_is_empty() {
        JsonNode listed = server.get("/api/github/repositories").json();
        assertThat(listed.path("configured").asBoolean()).isFalse();
        assertThat(listed.path("repositories")).isEmpty();
        assertThat(testConnection(null).status()).isEqualTo(404);
    }

    @Test
    void a_member_cannot_test_or_set_the_integration() {
        String key = server.newMemberKey("member.github@example.com");
        assertThat(server.send("POST", "/api/github/integration/test", TestServer.write(Map.of("apiUrl", github.apiUrl(), "token", TOKEN)),
                key, Map.of()).status()).isEqualTo(403);
        assertThat(server.send("GET", "/api/github/repositories", null, key, Map.of()).status()).isEqualTo(200);
    }

    @Test
    void a_github_repo_without_an_integration_is_refused_with_a_400_that_says_what_to_set() {
        TestServer.Response r = server.post("/api/sessions", Map.of("prompt", "x", "repo", "acme/web-app"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("field").asText()).isEqualTo("repo");
        assertThat(r.json().path("detail").asText()).contains("MAGNET_GITHUB_TOKEN");
        assertThat(server.post("/api/sessions", Map.of("prompt", "x", "repo", "https://github.com/acme/web-app.git")).status())
                .isEqualTo(400);
    }

    @Test
    void an_integration_set_through_the_api_is_shown_without_secrets_and_stored_encrypted() throws Exception {
        assertThat(server.get("/api/github/integration").json().path("configured").asBoolean()).isFalse();
        TestServer.Response put = putIntegration(Map.of("apiUrl", github.apiUrl(), "token", TOKEN, "webhookSecret", "hook-secret-abcdef"));
        assertThat(put.status()).isEqualTo(200);
        JsonNode shown = server.get("/api/github/integration").json();
        assertThat(shown.path("configured").asBoolean()).isTrue();
        assertThat(shown.path("kind").asText()).isEqualTo("token");
        assertThat(shown.path("webhookSecretSet").asBoolean()).isTrue();
        assertThat(shown.toString()).doesNotContain(TOKEN).doesNotContain("hook-secret-abcdef");

        JsonNode created = server.createSession(Map.of("prompt", "x", "repo", "acme/web-app"));
        assertThat(created.path("repo").asText()).isEqualTo("acme/web-app");

        magnet.stop();
        try (Stream<Path> files = Files.walk(magnet.dir().resolve("data/db"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(TOKEN);
            }
        }
        server = magnet.restart();
        assertThat(server.get("/api/github/integration").json().path("kind").asText()).isEqualTo("token");
        assertThat(server.send("DELETE", "/api/github/integration", null, TestServer.API_KEY, Map.of()).status()).isEqualTo(204);
        assertThat(server.get("/api/github/integration").json().path("configured").asBoolean()).isFalse();
    }

    @Test
    void saving_replacing_testing_and_removing_the_integration_are_in_the_audit_log_without_a_secret() {
        String refusedToken = "ghp_" + "refusedAuditToken0123456789";
        assertThat(testConnection(Map.of("apiUrl", github.apiUrl(), "token", refusedToken)).status()).isEqualTo(400);
        assertThat(putIntegration(Map.of("apiUrl", github.apiUrl(), "token", refusedToken)).status()).isEqualTo(400);
        assertThat(testConnection(Map.of("apiUrl", github.apiUrl(), "token", TOKEN)).status()).isEqualTo(200);
        assertThat(putIntegration(Map.of("apiUrl", github.apiUrl(), "token", TOKEN, "webhookSecret", "hook-secret-audit")).status())
                .isEqualTo(200);
        assertThat(testConnection(null).status()).isEqualTo(200);
        assertThat(putIntegration(Map.of("apiUrl", github.apiUrl(), "token", TOKEN, "draftPullRequests", true)).status()).isEqualTo(200);
        assertThat(server.send("DELETE", "/api/github/integration", null, TestServer.API_KEY, Map.of()).status()).isEqualTo(204);

        JsonNode entries = server.get("/api/audit?limit=50").json().path("entries");
        List<String> actions = new java.util.ArrayList<>();
        entries.forEach(e -> actions.add(e.path("action").asText()));
        assertThat(actions.reversed()).as("oldest first").containsSubsequence("github.integration.test", "github.integration.refused",
                "github.integration.test", "github.integration.save", "github.integration.test", "github.integration.replace",
                "github.integration.remove");
        List<String> details = new java.util.ArrayList<>();
        entries.forEach(e -> {
            if (e.path("action").asText().startsWith("github.integration.")) {
                details.add(e.path("action").asText() + ": " + e.path("detail").asText());
            }
        });
        assertThat(details).anySatisfy(d -> assertThat(d).startsWith("github.integration.test").contains("refused").contains("Bad credentials"))
                .anySatisfy(d -> assertThat(d).startsWith("github.integration.test").contains("accepted").contains("magnet-test-user")
                        .contains("(in use)"))
                .anySatisfy(d -> assertThat(d).startsWith("github.integration.save").contains("webhook secret set"))
                .anySatisfy(d -> assertThat(d).startsWith("github.integration.replace").contains("draft pull requests"))
                .anySatisfy(d -> assertThat(d).startsWith("github.integration.remove").contains("token at " + github.apiUrl()));
        assertThat(entries.toString()).doesNotContain(TOKEN, refusedToken, "hook-secret-audit");
    }

    @Test
    void the_webhook_endpoint_needs_no_api_key_but_rejects_unsigned_deliveries() {
        TestServer.Response r = server.send("POST", "/api/github/webhooks", "{}", null, Map.of("X-GitHub-Event", "ping"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("X-Hub-Signature-256");
    }
}
