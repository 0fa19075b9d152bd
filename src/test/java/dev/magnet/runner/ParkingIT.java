package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An agent that waits for a message gives its run slot up after a short idle time (it is parked: phase
 * {@code waiting}); the next session runs meanwhile, and a message resumes the parked one where it waited.
 */
class ParkingIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_MAX_SESSIONS", "1",
            "MAGNET_PARK_SECONDS", "2"));

    @Test
    void an_interrupted_session_is_parked_so_the_next_one_runs_and_a_message_resumes_it() {
        TestServer server = magnet.server();
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "python3 -c 'import time; time.sleep(120)'",
                        "description", "a long job", "timeout", 600000)),
                Turn.reply().text("The other session is done."),
                Turn.reply().text("Picked up where I left off.")));
        String waiting = server.createSession(Map.of("prompt", "Run the long job")).path("id").asText();
        awaitEvent(server, waiting, "tool_use");
        String next = server.createSession(Map.of("prompt", "Something else")).path("id").asText();
        assertThat(server.session(next).path("phase").asText()).as("one run slot, taken").isEqualTo("queued");

        assertThat(server.post("/api/sessions/" + waiting + "/interrupt", null).status()).isEqualTo(202);

        Awaitility.await().atMost(TIMEOUT).until(() -> server.session(waiting).path("phase").asText().equals("waiting"));
        JsonNode parked = server.session(waiting);
        assertThat(parked.path("status").asText()).isEqualTo("active");
        assertThat(parked.path("phases").findValuesAsText("reason")).anySatisfy(r -> assertThat(r).startsWith("parked"));
        assertThat(server.awaitStatus(next, "completed", TIMEOUT).path("failure").isNull()).isTrue();
        assertThat(server.post("/api/sessions/" + waiting + "/interrupt", null).status())
                .as("a parked session has no agent to interrupt").isEqualTo(409);

        assertThat(server.post("/api/sessions/" + waiting + "/messages", Map.of("text", "Carry on")).status()).isEqualTo(202);
        JsonNode done = server.awaitStatus(waiting, "completed", TIMEOUT);
        assertThat(done.path("messages").findValuesAsText("text")).contains("Picked up where I left off.");
        assertThat(magnet.model().mainRequests().getLast().summary().messagesText())
                .as("the resumed agent has the conversation it waited in").anySatisfy(t -> assertThat(t).contains("Run the long job"));
    }

    @Test
    void a_parked_session_can_be_cancelled() {
        TestServer server = magnet.server();
        magnet.model().script(Script.of(Turn.reply().toolUse("Bash", Map.of("command",
                "python3 -c 'import time; time.sleep(120)'", "description", "a long job", "timeout", 600000))));
        String id = server.createSession(Map.of("prompt", "Run the long job")).path("id").asText();
        awaitEvent(server, id, "tool_use");
        server.post("/api/sessions/" + id + "/interrupt", null);
        Awaitility.await().atMost(TIMEOUT).until(() -> server.session(id).path("phase").asText().equals("waiting"));

        assertThat(server.post("/api/sessions/" + id + "/cancel", null).status()).isEqualTo(202);

        JsonNode cancelled = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(cancelled.path("failure").path("reason").asText()).isEqualTo("cancelled");
        assertThat(cancelled.path("failure").path("phase").asText()).isEqualTo("waiting");
    }

    private static void awaitEvent(TestServer server, String id, String type) {
        Awaitility.await().atMost(TIMEOUT).until(() -> {
            List<JsonNode> events = new java.util.ArrayList<>();
            server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(events::add);
            return events.stream().anyMatch(e -> e.path("type").asText().equals(type));
        });
    }
}
