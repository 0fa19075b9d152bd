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
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the real server (its own JVM) while a session is mid-turn: the next server resumes the
 * session in a new sandbox on the same workspace, and the event log keeps every persisted event exactly once.
 */
class RestartIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void a_session_cut_off_by_kill_9_resumes_after_restart_and_completes_without_gaps_or_duplicates() throws Exception {
        Path origin = GitFixtures.bareOrigin(dir, 3);
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        Gate cut = Gate.closed();
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.of(
                    Turn.reply().text("Writing the file first.").toolUse("Write", Map.of("file_path", "alpha.txt", "content", "alpha\n")),
                    Turn.reply().text("Now committing.").heldBy(cut),
                    Turn.reply().toolUse("Bash", Map.of("command", "git add -A && git commit -qm 'Add alpha'",
                            "description", "Commit")),
                    Turn.reply().text("Done after the restart.")));
            Map<String, String> settings = Map.of("MAGNET_LEASE_SECONDS", "5");
            String id;
            List<JsonNode> before;
            ChildServer first = ChildServer.start(data, model, log, settings);
            try {
                id = first.createSession(Map.of("prompt", "Add alpha.txt and commit it", "repo", origin.toString()))
                        .path("id").asText();
                cut.awaitReached(TIMEOUT);
                awaitEvent(first, id, "tool_result");
                before = first.events(id);
                first.kill9();
            } finally {
                first.close();
            }
            assertThat(agentProcessesOf(id)).as("the sandbox died with the server").isEmpty();

            try (ChildServer second = ChildServer.start(data, model, log, settings)) {
                JsonNode done = second.awaitStatus(id, "completed", TIMEOUT);
                List<JsonNode> after = second.events(id);

                assertThat(after.subList(0, before.size())).as("what was persisted before the crash is kept as it was")
                        .isEqualTo(before);
                assertThat(after.stream().map(e -> e.path("seq").asLong()).toList())
                        .isEqualTo(LongStream.rangeClosed(1, after.size()).boxed().toList());
                List<String> toolUseIds = after.stream().filter(e -> e.path("type").asText().equals("tool_use"))
                        .map(e -> e.path("data").path("toolUseId").asText()).toList();
                assertThat(toolUseIds).doesNotHaveDuplicates().hasSize(2);
                assertThat(after.stream().filter(e -> e.path("type").asText().equals("tool_result")).count()).isEqualTo(2);
                assertThat(after.stream().filter(e -> e.path("type").asText().equals("user_message")).count()).isEqualTo(1);
                assertThat(after).anySatisfy(e -> assertThat(e.path("data").path("reason").asText())
                        .contains("resumed after a restart"));
                assertThat(model.mainRequests().getLast().summary().messagesText())
                        .anySatisfy(t -> assertThat(t).contains("Add alpha.txt and commit it"));
                String branch = done.path("branch").asText();
                assertThat(GitFixtures.git(origin, "log", "--format=%s", branch)).contains("Add alpha");
                assertThat(GitFixtures.git(origin, "show", branch + ":alpha.txt")).isEqualTo("alpha\n");
            } finally {
                cut.open();
            }
        }
    }

    private static List<ProcessHandle> agentProcessesOf(String sessionId) {
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> String.join(" ", a))
                .orElse("").contains(sessionId) && p.isAlive()).toList();
    }

    private static void awaitEvent(ChildServer server, String id, String type) {
        try {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> server.events(id).stream().anyMatch(e -> e.path("type").asText().equals(type)));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + type + " event in " + server.events(id), e);
        }
    }
}
