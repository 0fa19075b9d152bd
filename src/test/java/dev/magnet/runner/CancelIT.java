package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.HostProcesses;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cancelling a running session from the API tears its sandbox down at once (what the agent was running is killed on
 * the host, its resource group is gone) and fails it {@code cancelled}, keeping its history. The CLI's
 * {@code sessions cancel} and the UI's button send the same request (CommandLineClientIT, WebUiIT).
 */
class CancelIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    @Test
    void cancelling_a_session_while_its_agent_runs_a_command_kills_the_command_and_fails_it_cancelled() {
        TestServer server = magnet.server();
        String marker = "cancel-marker-" + System.nanoTime();
        magnet.model().script(Script.of(Turn.reply().toolUse("Bash", Map.of(
                "command", "python3 -c 'import time, sys; time.sleep(600)' " + marker,
                "description", "a long job", "timeout", 600000))));
        String id = server.createSession(Map.of("prompt", "Run the long job")).path("id").asText();
        Awaitility.await().atMost(TIMEOUT).until(() -> !HostProcesses.mentioning(marker).isEmpty());

        TestServer.Response cancel = server.post("/api/sessions/" + id + "/cancel", null);

        assertThat(cancel.status()).isEqualTo(202);
        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("cancelled");
        assertThat(failed.path("failure").path("phase").asText()).isEqualTo("running");
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(HostProcesses.mentioning(marker)).as("the agent's command, on the host").isEmpty();
            assertThat(HostProcesses.sessionGroups(id)).as("the session's resource groups").isEmpty();
        });
        assertThat(eventTypes(server, id)).as("the history is kept").contains("user_message", "tool_use");
        assertThat(server.post("/api/sessions/" + id + "/cancel", null).status()).as("cancelled once").isEqualTo(409);
    }

    private static List<String> eventTypes(TestServer server, String id) {
        List<String> types = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events")
                .forEach(e -> types.add(e.path("type").asText()));
        return types;
    }
}
