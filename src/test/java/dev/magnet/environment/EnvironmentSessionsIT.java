package dev.magnet.environment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sessions and environments (embedded database): a session runs in the environment it names, else in the workspace's
 * default one, taking its repository and branch unless it names its own; a disabled or unknown environment is refused;
 * an environment cannot be deleted while a session runs in it; a retry keeps the environment.
 */
class EnvironmentSessionsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    @Test
    void a_session_runs_in_the_named_or_default_environment_with_its_repository_and_branch() throws Exception {
        TestServer server = magnet.server();
        Path origin = GitFixtures.bareOrigin(magnet.dir(), 2);
        Gate hold = Gate.closed();
        magnet.model().script(Script.of(Turn.reply().text("Held.").heldBy(hold))
                .withFallback(Turn.reply().text("Done.")));
        String envId = server.post("/api/environments", Map.of("name", "Widgets", "repo", origin.toString(),
                "branch", "main")).json().path("id").asText();

        JsonNode named = server.createSession(Map.of("prompt", "Look around", "environmentId", envId));

        assertThat(named.path("environmentId").asText()).isEqualTo(envId);
        assertThat(named.path("repo").asText()).isEqualTo(origin.toString());
        assertThat(named.path("baseBranch").asText()).isEqualTo("main");
        hold.awaitReached(TIMEOUT);
        TestServer.Response deleting = server.send("DELETE", "/api/environments/" + envId, null, TestServer.API_KEY, Map.of());
        assertThat(deleting.status()).as("a session runs in it").isEqualTo(409);
        assertThat(deleting.body()).contains("1 active session");
        hold.open();
        server.awaitStatus(named.path("id").asText(), "completed", TIMEOUT);

        assertThat(server.createSession(Map.of("prompt", "No environment")).path("environmentId").isNull())
                .as("no default yet").isTrue();
        server.patch("/api/environments/" + envId, Map.of("default", true));
        JsonNode byDefault = server.createSession(Map.of("prompt", "Default environment"));
        assertThat(byDefault.path("environmentId").asText()).isEqualTo(envId);
        assertThat(byDefault.path("repo").asText()).isEqualTo(origin.toString());
        JsonNode ownRepo = server.createSession(Map.of("prompt", "Elsewhere", "repo", origin.toString()));
        assertThat(ownRepo.path("environmentId").asText()).isEqualTo(envId);
        assertThat(ownRepo.path("baseBranch").isNull()).as("a repository of its own: its default branch").isTrue();

        server.patch("/api/environments/" + envId, Map.of("enabled", false));
        TestServer.Response disabled = server.post("/api/sessions", Map.of("prompt", "x", "environmentId", envId));
        assertThat(disabled.status()).isEqualTo(400);
        assertThat(disabled.body()).contains("environmentId").contains("disabled");
        assertThat(server.createSession(Map.of("prompt", "Disabled default")).path("environmentId").isNull())
                .as("a disabled default is not picked").isTrue();
        TestServer.Response unknown = server.post("/api/sessions", Map.of("prompt", "x",
                "environmentId", "01900000-0000-7000-8000-000000000000"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body()).contains("does not exist");
    }

    @Test
    void a_retry_runs_in_the_environment_of_the_failed_session() {
        TestServer server = magnet.server();
        magnet.model().script(Script.of(Turn.error(401, "authentication_error", "invalid x-api-key").times(20)));
        String envId = server.post("/api/environments", Map.of("name", "Retry env")).json().path("id").asText();
        String failed = server.createSession(Map.of("prompt", "Fail once", "environmentId", envId)).path("id").asText();
        server.awaitStatus(failed, "failed", TIMEOUT);
        magnet.model().script(Script.of(Turn.reply().text("Fine now.")));

        TestServer.Response retried = server.post("/api/sessions/" + failed + "/retry", Map.of());

        assertThat(retried.status()).as(retried.body()).isEqualTo(201);
        assertThat(retried.session().path("environmentId").asText()).isEqualTo(envId);
    }
}
