package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.Script;
import dev.magnet.testing.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM of the real server (its own JVM) while a session is mid-turn: it exits within a bound, having handed the
 * session back, and the next server resumes it at once (the lease is long, so nothing waits for it to lapse), with
 * every event kept exactly once.
 */
class GracefulShutdownIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void a_server_stopped_with_sigterm_hands_its_running_session_over_without_losing_an_event() throws Exception {
        Path origin = GitFixtures.bareOrigin(dir, 3);
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        Gate held = Gate.closed();
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.of(
                    Turn.reply().toolUse("Write", Map.of("file_path", "one.txt", "content", "one\n")),
                    Turn.reply().text("Thinking about the next step.").heldBy(held),
                    Turn.reply().toolUse("Write", Map.of("file_path", "two.txt", "content", "two\n")),
                    Turn.reply().text("Done.")));
            Map<String, String> settings = Map.of("MAGNET_LEASE_SECONDS", "300");
            String id;
            List<JsonNode> before;
            ChildServer first = ChildServer.start(data, model, log, settings);
            try {
                id = first.createSession(Map.of("prompt", "Write two files", "repo", origin.toString())).path("id").asText();
                held.awaitReached(TIMEOUT);
                before = first.events(id);
                Duration took = first.terminate(Duration.ofSeconds(40));
                assertThat(took).as("the server exits within the shutdown bound").isNotNull()
                        .isLessThan(Duration.ofSeconds(40));
            } finally {
                first.close();
                held.open();
            }

            try (ChildServer second = ChildServer.start(data, model, log, settings)) {
                JsonNode done = second.awaitStatus(id, "completed", TIMEOUT);
                List<JsonNode> after = second.events(id);
                assertThat(after.subList(0, before.size())).as("what was written before the stop is kept").isEqualTo(before);
                assertThat(after.stream().map(e -> e.path("seq").asLong()).toList())
                        .isEqualTo(LongStream.rangeClosed(1, after.size()).boxed().toList());
                assertThat(after).anySatisfy(e -> assertThat(e.path("data").path("reason").asText())
                        .contains("resumed after a restart"));
                assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":two.txt")).isEqualTo("two\n");
            }
        }
    }
}
