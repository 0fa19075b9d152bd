package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The agent can do its job inside the bubblewrap sandbox, sessions are apart, and idle workspaces come back. */
class SandboxedWorkIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_LEASE_SECONDS", "3",
            "MAGNET_SANDBOX_IDLE_SECONDS", "2"));

    private Path dir;
    private FakeAnthropic model;
    private TestServer server;
    private Path origin;

    @BeforeEach
    void start() {
        dir = magnet.dir();
        model = magnet.model();
        server = magnet.server();
        origin = GitFixtures.bareOrigin(dir, 3);
    }

    @Test
    void the_agent_edits_files_runs_git_and_builds_with_make_inside_the_sandbox() {
        model.script(Script.of(
                Turn.reply().toolUse("Write", Map.of("file_path", "hello.c",
                        "content", "#include <stdio.h>\nint main(void) { puts(\"built in the sandbox\"); return 0; }\n")),
                Turn.reply().toolUse("Write", Map.of("file_path", "Makefile", "content", "hello: hello.c\n\tcc -o hello hello.c\n")),
                Turn.reply().toolUse("Bash", Map.of("command", "make && ./hello && printf 'hello\\n' > .gitignore && "
                        + "git add -A && git commit -qm 'Add hello' && git log --oneline | head -1", "description", "build and commit")),
                Turn.reply().text("Built and committed.")));
        String id = server.createSession(Map.of("prompt", "Build hello", "repo", origin.toString())).path("id").asText();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(AdversarialAgentIT.toolOutputs(server, id).getLast()).contains("built in the sandbox").contains("Add hello");
        String branch = done.path("branch").asText();
        assertThat(GitFixtures.git(origin, "log", "--format=%s", branch)).contains("Add hello");
        assertThat(GitFixtures.git(origin, "show", branch + ":Makefile")).contains("cc -o hello");
        Path workspace = dir.resolve("data/sessions/" + id + "/workspace");
        assertThat(ownerUid(workspace)).as("the sandbox's account owns the workspace; the host never works in it")
                .isEqualTo(SandboxUser.resolve("magnet-sandbox").uid());
    }

    @Test
    void two_concurrent_sessions_see_neither_each_others_files_nor_processes() {
        String probe = "echo mine > mine-$(cat /proc/sys/kernel/random/uuid).txt; sleep 4; ls /workspace | grep -c '^mine-'; "
                + "ps -eo args | grep -c '^/opt/claude/bin/claude'; ls /proc | grep -cE '^[0-9]+$'";
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", probe, "description", "look around")).times(2),
                Turn.reply().text("Looked.").times(2)));
        String a = server.createSession(Map.of("prompt", "Session A")).path("id").asText();
        String b = server.createSession(Map.of("prompt", "Session B")).path("id").asText();
        server.awaitStatus(a, "completed", TIMEOUT);
        server.awaitStatus(b, "completed", TIMEOUT);

        for (String id : List.of(a, b)) {
            List<String> lines = AdversarialAgentIT.toolOutputs(server, id).getFirst().lines().toList();
            assertThat(lines.get(0)).as("only its own file").isEqualTo("1");
            assertThat(lines.get(1)).as("only its own agent process").isEqualTo("1");
            assertThat(Integer.parseInt(lines.get(2))).as("only its own processes").isLessThan(20);
        }
    }

    @Test
    void an_idle_workspace_is_torn_down_and_a_follow_up_makes_it_again_from_the_branch() {
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo one > one.txt && git add one.txt && git commit -qm 'First'",
                        "description", "first")),
                Turn.reply().text("First done."),
                Turn.reply().toolUse("Bash", Map.of("command", "cat one.txt && echo two > two.txt && git add two.txt && "
                        + "git commit -qm 'Second'", "description", "second")),
                Turn.reply().text("Second done.")));
        String id = server.createSession(Map.of("prompt", "First commit", "repo", origin.toString())).path("id").asText();
        String branch = server.awaitStatus(id, "completed", TIMEOUT).path("branch").asText();
        Path workspace = dir.resolve("data/sessions/" + id + "/workspace");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(workspace));
        assertThat(dir.resolve("data/sessions/" + id + "/home")).isDirectory();

        server.post("/api/sessions/" + id + "/messages", Map.of("text", "Now the second commit"));
        server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(AdversarialAgentIT.toolOutputs(server, id).getLast()).contains("one");
        assertThat(GitFixtures.git(origin, "log", "--format=%s", branch)).contains("First").contains("Second");
        assertThat(model.mainRequests().getLast().summary().messagesText())
                .anySatisfy(t -> assertThat(t).contains("First commit"));
    }

    private static int ownerUid(Path path) {
        try {
            return (Integer) Files.getAttribute(path, "unix:uid");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
