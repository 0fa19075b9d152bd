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
 * A session that runs longer than {@code MAGNET_SESSION_TIMEOUT_SECONDS} (here in one long turn of short steps) fails
 * {@code timeout}; its sandbox is gone and the next session runs.
 */
class SessionTimeLimitIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_SESSION_TIMEOUT_SECONDS", "25"));

    @Test
    void a_session_running_past_its_limit_fails_timeout_and_the_next_session_runs() {
        TestServer server = magnet.server();
        Turn step = Turn.reply().toolUse("Bash", Map.of("description", "step",
                "command", "python3 -c 'import time; time.sleep(4)'; echo step", "timeout", 600000));
        magnet.model().script(Script.of(step.times(20), Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Many small steps")).path("id").asText();
        JsonNode failed = server.awaitEnd(id);

        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("timeout");
        assertThat(failed.path("failure").path("message").asText()).contains("session ran for more than 25 s")
                .contains("MAGNET_SESSION_TIMEOUT_SECONDS");
        assertThat(TimeLimitsIT.agentProcessesOf(id)).isEmpty();

        magnet.model().script(Script.of(Turn.reply().text("Quick.")));
        String next = server.createSession(Map.of("prompt", "Something quick")).path("id").asText();
        assertThat(server.awaitStatus(next, "completed", TIMEOUT).path("failure").isNull()).isTrue();
    }

}
