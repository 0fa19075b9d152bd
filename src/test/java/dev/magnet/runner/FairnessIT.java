package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.Gate;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A shared server stays fair: sessions waiting for a run slot are taken fairly across people (not one person's queue
 * first), each knows its place in the queue, and a person who already has many waiting gets 429 with Retry-After.
 */
class FairnessIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_MAX_SESSIONS", "1",
            "MAGNET_MAX_QUEUED_PER_USER", "2"));

    @Test
    void the_queue_is_fair_across_people_shows_each_place_and_refuses_one_person_too_many() throws Exception {
        TestServer server = magnet.server();
        Gate hold = Gate.closed();
        magnet.model().script(Script.of(Turn.reply().text("First, held.").heldBy(hold)));
        String bobKey = server.newMemberKey("bob@example.test");

        String first = server.createSession(Map.of("prompt", "Admin's first")).path("id").asText();
        hold.awaitReached(TIMEOUT);
        String second = server.createSession(Map.of("prompt", "Admin's second")).path("id").asText();
        String third = server.createSession(Map.of("prompt", "Admin's third")).path("id").asText();
        String bobs = server.createSessionAs(bobKey, "Bob's only").path("id").asText();

        assertThat(server.session(bobs).path("queuePosition").asInt()).as("Bob runs nothing yet: he goes first").isEqualTo(1);
        assertThat(server.session(second).path("queuePosition").asInt()).isEqualTo(2);
        assertThat(server.session(third).path("queuePosition").asInt()).isEqualTo(3);
        assertThat(server.session(first).has("queuePosition")).as("running, not queued").isFalse();
        JsonNode listed = server.get("/api/sessions").json().path("sessions");
        assertThat(listed.findValuesAsText("queuePosition")).containsExactlyInAnyOrder("1", "2", "3");

        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(server.baseUrl() + "/api/sessions")).header("x-api-key", TestServer.API_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Admin's fourth\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(refused.body()).contains("MAGNET_MAX_QUEUED_PER_USER");
        assertThat(server.get("/api/sessions").json().path("sessions")).hasSize(4);

        hold.open();
        for (String id : new String[] {first, bobs, second, third}) {
            server.awaitStatus(id, "completed", TIMEOUT);
        }
        assertThat(started(server, bobs)).as("Bob's session ran before the admin's second").isBefore(started(server, second));
        assertThat(started(server, second)).isBefore(started(server, third));
    }

    private static Instant started(TestServer server, String id) {
        Awaitility.await().atMost(TIMEOUT).until(() -> server.session(id).path("phases").findValuesAsText("phase")
                .contains("provisioning"));
        for (JsonNode p : server.session(id).path("phases")) {
            if (p.path("phase").asText().equals("provisioning")) {
                return Instant.parse(p.path("at").asText());
            }
        }
        throw new AssertionError("never provisioned");
    }
}
