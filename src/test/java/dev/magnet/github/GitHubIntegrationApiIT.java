package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Setting the integration through the API, and what happens to GitHub repositories without one. */
class GitHubIntegrationApiIT {
    private static final String TOKEN = "ghp_apiSetToken_0123456789abcdefXYZ";

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();
    private TestServer server;

    @BeforeEach
    void start() {
        server = magnet.server();
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
        TestServer.Response put = server.send("PUT", "/api/github/integration",
                "{\"token\":\"" + TOKEN + "\",\"webhookSecret\":\"hook-secret-abcdef\"}", TestServer.API_KEY, Map.of());
        assertThat(put.status()).isEqualTo(200);
        JsonNode shown = server.get("/api/github/integration").json();
        assertThat(shown.path("configured").asBoolean()).isTrue();
        assertThat(shown.path("kind").asText()).isEqualTo("token");
        assertThat(shown.path("webhookSecretSet").asBoolean()).isTrue();
        assertThat(shown.toString()).doesNotContain(TOKEN).doesNotContain("hook-secret-abcdef");

        JsonNode created = server.createSession(Map.of("prompt", "x", "repo", "https://github.com/acme/web-app"));
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
    void the_webhook_endpoint_needs_no_api_key_but_rejects_unsigned_deliveries() {
        TestServer.Response r = server.send("POST", "/api/github/webhooks", "{}", null, Map.of("X-GitHub-Event", "ping"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("X-Hub-Signature-256");
    }
}
