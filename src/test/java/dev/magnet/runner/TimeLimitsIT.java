package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Wall-clock bounds (SECURITY.md, rule 5): a turn that runs past its limit fails {@code timeout}, saying what the agent
 * was running; its sandbox is gone and the server carries on. {@link SessionTimeLimitIT} does the same for a session.
 */
class TimeLimitsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    // why: the limit must leave the agent time to reach its tool on a loaded 2-core CI machine (6 s did not, once)
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_TURN_TIMEOUT_SECONDS", "20"));

    @Test
    void a_turn_that_runs_past_its_limit_fails_the_session_with_timeout_naming_what_was_running() {
        TestServer server = magnet.server();
        magnet.model().script(Script.of(Turn.reply().toolUse("Bash", Map.of("description", "wait",
                "command", "python3 -c 'import time; time.sleep(300)'", "timeout", 600000)), Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Wait a long time")).path("id").asText();
        JsonNode failed = server.awaitEnd(id);

        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("timeout");
        assertThat(failed.path("failure").path("message").asText()).contains("turn ran for more than 20 s")
                .contains("Bash: python3 -c 'import time; time.sleep(300)'").contains("MAGNET_TURN_TIMEOUT_SECONDS");
        assertThat(agentProcessesOf(id)).isEmpty();
        assertThat(server.get("/health/live").status()).isEqualTo(200);
    }

    static java.util.List<ProcessHandle> agentProcessesOf(String sessionId) {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> String.join(" ", a))
                .orElse("").contains(sessionId) && p.isAlive()).toList();
    }
}
