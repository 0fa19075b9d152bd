package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /api/repos}: the repositories a workspace's sessions used, for the UI's type-ahead. */
class RepoListIT {
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    private TestServer server;

    @BeforeEach
    void start() {
        server = magnet.server();
    }

    @Test
    void the_repository_list_names_each_repository_once_most_recently_used_first() throws Exception {
        String alpha = Files.createDirectories(magnet.dir().resolve("alpha")).toRealPath().toString();
        String beta = Files.createDirectories(magnet.dir().resolve("beta")).toRealPath().toString();
        server.createSession(Map.of("prompt", "one", "repo", alpha));
        server.createSession(Map.of("prompt", "two", "repo", beta));
        server.createSession(Map.of("prompt", "three", "repo", alpha));
        server.createSession(Map.of("prompt", "no repo"));

        TestServer.Response res = server.get("/api/repos");
        assertThat(res.status()).isEqualTo(200);
        List<String> repos = new ArrayList<>();
        res.json().path("repos").forEach(r -> repos.add(r.asText()));
        assertThat(repos).containsExactly(alpha, beta);
        assertThat(server.get("/api/repos?limit=1").json().path("repos")).hasSize(1);
    }

    @Test
    void the_repository_list_needs_a_key() {
        assertThat(server.send("GET", "/api/repos", null, null, Map.of()).status()).isEqualTo(401);
    }
}
