package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * URLs a user gives (a session's repository, a workspace's GitHub API URL) cannot make the server reach loopback,
 * link-local or private addresses, use ssh with the server's own keys, or reach GitHub around the integration
 * (SECURITY.md, rule 6). The server here allows no private address at all.
 */
class OutboundUrlIT {
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ALLOW_PRIVATE_ADDRESSES", "",
            "MAGNET_GITHUB_TOKEN", "github-" + "token-not-real"));

    @Test
    void repository_urls_to_private_addresses_over_ssh_or_to_github_around_the_integration_are_refused() {
        TestServer server = magnet.server();
        for (String repo : List.of("http://127.0.0.1:8080/o/n.git", "https://169.254.169.254/latest/meta-data",
                "http://10.0.0.1/o/n.git", "http://[::1]/o/n.git", "http://[::ffff:127.0.0.1]/o/n.git",
                "http://0.0.0.0:7070/o/n.git", "http://localhost:7070/o/n.git",
                "git@example.com:o/n.git", "ssh://git@example.com/o/n.git",
                "git@github.com:acme/app.git", "ssh://git@github.com/acme/app.git", "https://user@github.com/acme/app",
                "https://github.com/acme/app/tree/main", "http://gist.github.com/acme/app.git")) {
            TestServer.Response refused = server.post("/api/sessions", Map.of("prompt", "x", "repo", repo));
            assertThat(refused.status()).as(repo).isEqualTo(400);
            assertThat(refused.json().path("field").asText()).as(repo).isEqualTo("repo");
        }
        assertThat(server.get("/api/sessions").json().path("sessions")).isEmpty();
    }

    @Test
    void a_github_api_url_on_a_private_address_is_refused_and_the_integration_is_unchanged() {
        TestServer server = magnet.server();
        String before = server.get("/api/github/integration").body();
        for (String apiUrl : List.of("http://169.254.169.254/api/v3", "http://127.0.0.1:9/api/v3", "http://192.168.1.1")) {
            TestServer.Response refused = server.send("PUT", "/api/github/integration",
                    TestServer.write(Map.of("apiUrl", apiUrl, "token", "ghes-" + "token-not-real")), TestServer.API_KEY, Map.of());
            assertThat(refused.status()).as(apiUrl).isEqualTo(400);
            assertThat(refused.json().path("field").asText()).isEqualTo("apiUrl");
        }
        assertThat(server.get("/api/github/integration").body()).isEqualTo(before);
    }
}
