package dev.magnet.git;

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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent leaves a repository configured to run a command whenever git looks for an object it lacks (a partial
 * clone whose promisor remote has an {@code uploadpack} command), then the server dies ({@code kill -9}) mid-turn.
 * The next server resumes the session without ever running host git in that workspace.
 */
class ResumeAttackIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void a_promisor_remote_planted_in_the_workspace_never_runs_on_the_host_when_the_session_resumes_after_a_restart()
            throws Exception {
        Path origin = GitFixtures.bareOrigin(dir, 3);
        Path data = dir.resolve("data");
        Path log = dir.resolve("server.log");
        Path marker = dir.resolve("pwned-by-promisor");
        Gate cut = Gate.closed();
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.of(
                    Turn.reply().toolUse("Bash", Map.of("description", "plant", "command", """
                            git config core.repositoryformatversion 1
                            git config extensions.partialClone evil
                            git config remote.evil.url /nonexistent
                            git config remote.evil.promisor true
                            git config remote.evil.uploadpack 'touch %s; false'
                            mkdir -p .git/refs/magnet
                            printf '%%s\\n' 0123456789abcdef0123456789abcdef01234567 > .git/refs/magnet/base
                            echo planted""".formatted(marker))),
                    Turn.reply().text("Thinking it over.").heldBy(cut),
                    Turn.reply().toolUse("Bash", Map.of("command", "echo after-restart > after.txt && echo written",
                            "description", "write")),
                    Turn.reply().text("Done after the restart.")));
            Map<String, String> settings = Map.of("MAGNET_LEASE_SECONDS", "5");
            String id;
            ChildServer first = ChildServer.start(data, model, log, settings);
            try {
                id = first.createSession(Map.of("prompt", "Plant and wait", "repo", origin.toString())).path("id").asText();
                cut.awaitReached(TIMEOUT);
                first.kill9();
            } finally {
                first.close();
            }
            try (ChildServer second = ChildServer.start(data, model, log, settings)) {
                JsonNode done = second.awaitEnd(id, TIMEOUT);
                assertThat(marker).as("host git ran the agent's promisor command").doesNotExist();
                assertThat(done.path("status").asText()).as(done.toString()).isEqualTo("completed");
                assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":after.txt"))
                        .isEqualTo("after-restart\n");
            } finally {
                cut.open();
            }
        }
    }
}
