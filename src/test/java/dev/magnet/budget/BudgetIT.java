package dev.magnet.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cost budgets are enforced at the model relay, from the tokens the model API reported: a session past its budget is
 * refused its next model request and fails {@code budget_exceeded} saying the figure, and once a workspace's daily
 * budget is spent its next session fails before its agent asks the model anything.
 */
class BudgetIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    /** At claude-opus-4-6's $25 per million output tokens: $2.50. */
    private static final Turn.Usage EXPENSIVE = new Turn.Usage(100, 100_000, 0, 0);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of(
            "MAGNET_SESSION_BUDGET_USD", "0.50",
            "MAGNET_WORKSPACE_DAILY_BUDGET_USD", "2"));

    @Test
    void a_session_past_its_budget_is_refused_the_model_and_then_its_workspace_is_refused_for_the_day() {
        TestServer server = magnet.server();
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo costly > spent.txt", "description", "write"))
                        .withUsage(EXPENSIVE),
                Turn.reply().text("Never sent: the relay refuses this request.")));

        String id = server.createSession(Map.of("prompt", "Do something costly", "model", "claude-opus-4-6"))
                .path("id").asText();
        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);

        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("budget_exceeded");
        assertThat(failed.path("failure").path("message").asText()).contains("$2.50").contains("$0.50")
                .contains("MAGNET_SESSION_BUDGET_USD");
        assertThat(magnet.model().mainRequests()).as("the refused request never reached the model").hasSize(1);
        JsonNode limits = sandboxStatus(server, id).path("sessionLimits");
        assertThat(limits.path("sessionBudgetUsd").asDouble()).isEqualTo(0.5);
        assertThat(limits.path("workspaceDailyBudgetUsd").asDouble()).isEqualTo(2.0);
        assertThat(limits.path("turnTimeoutSeconds").asLong()).isEqualTo(3600);

        magnet.model().reset();
        magnet.model().script(Script.of(Turn.reply().text("Never sent: the workspace's day is spent.")));
        String next = server.createSession(Map.of("prompt", "Anything else")).path("id").asText();
        JsonNode refused = server.awaitStatus(next, "failed", TIMEOUT);

        assertThat(refused.path("failure").path("reason").asText()).isEqualTo("budget_exceeded");
        assertThat(refused.path("failure").path("message").asText()).contains("$2.50").contains("$2.00")
                .contains("MAGNET_WORKSPACE_DAILY_BUDGET_USD");
        assertThat(magnet.model().requests()).as("no model request for a workspace whose day is spent").isEmpty();
    }

    private static JsonNode sandboxStatus(TestServer server, String id) {
        List<JsonNode> events = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(events::add);
        return events.stream().filter(e -> e.path("data").has("sandbox")).findFirst().orElseThrow().path("data")
                .path("sandbox");
    }
}
