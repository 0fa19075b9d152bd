package dev.magnet.environment;

import static dev.magnet.environment.ImagesIT.events;
import static dev.magnet.environment.ImagesIT.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The setup cache (issue 11, acceptance 5): after a successful setup its result is kept as a snapshot; a second session
 * with the same key does not run setup, says so, and finds what setup installed (in the image's layer, in its home, and
 * with the {@code commit} key in its workspace), but nothing the first session's agent changed afterwards. With the
 * {@code files} key a new commit that leaves the listed files alone reuses the snapshot over the new workspace, and a
 * change to a listed file runs setup again.
 */
class SetupCacheIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    private static final String SETUP = String.join("\n",
            "echo running-setup",
            "mkdir -p /usr/local/share/demo && date +%s%N > /usr/local/share/demo/installed",
            "python3 -m venv \"$HOME/venv\"",
            "mkdir -p deps && echo dep > deps/installed.txt");
    private static final String LOOK = "echo \"installed=$(cat /usr/local/share/demo/installed)\"; "
            + "test -x \"$HOME/venv/bin/python\" && echo venv-there; cat deps/installed.txt 2>&1; cat app.py; "
            + "ls /usr/local/share/demo/agent 2>&1; echo agent-change > /usr/local/share/demo/agent";

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of());

    @Test
    void a_second_session_with_the_same_commit_key_skips_setup_and_finds_what_setup_installed() throws Exception {
        TestServer server = magnet.server();
        Path origin = GitFixtures.bareOriginWith(magnet.dir(), Map.of("app.py", "print('v1')\n", "requirements.txt", "demo==1\n"));
        String envId = environment(server, Map.of("key", "commit"));

        String first = session(server, envId, origin);
        List<JsonNode> firstEvents = events(server, first);
        assertThat(statuses(firstEvents)).anyMatch(r -> r.startsWith("setup cache miss"));
        assertThat(text(firstEvents, "setup_output")).contains("running-setup");
        String installed = value(text(firstEvents, "tool_result"), "installed=");

        String second = session(server, envId, origin);
        List<JsonNode> secondEvents = events(server, second);
        assertThat(statuses(secondEvents)).anyMatch(r -> r.startsWith("setup cache hit"));
        assertThat(text(secondEvents, "setup_output")).as("setup did not run again").isEmpty();
        String seen = text(secondEvents, "tool_result");
        assertThat(value(seen, "installed=")).as("what the first setup installed").isEqualTo(installed);
        assertThat(seen).contains("venv-there").contains("dep").contains("v1")
                .as("the first agent's change is not in the snapshot").contains("cannot access '/usr/local/share/demo/agent'");

        Path cache = server.dataDir().resolve("setup-cache");
        try (Stream<Path> files = Files.walk(cache)) {
            assertThat(files.filter(p -> p.endsWith("layer/usr/local/share/demo/installed"))).hasSize(1);
        }
    }

    @Test
    void with_the_files_key_a_new_commit_reuses_the_snapshot_until_a_listed_file_changes() throws Exception {
        TestServer server = magnet.server();
        Path origin = GitFixtures.bareOriginWith(magnet.dir(), Map.of("app.py", "print('v1')\n", "requirements.txt", "demo==1\n"));
        String envId = environment(server, Map.of("key", "files", "files", List.of("requirements.txt")));

        String first = session(server, envId, origin);
        String installed = value(text(events(server, first), "tool_result"), "installed=");

        commit(origin, "app.py", "print('v2')\n");
        String second = session(server, envId, origin);
        List<JsonNode> secondEvents = events(server, second);
        assertThat(statuses(secondEvents)).anyMatch(r -> r.startsWith("setup cache hit"));
        assertThat(text(secondEvents, "setup_output")).isEmpty();
        String seen = text(secondEvents, "tool_result");
        assertThat(value(seen, "installed=")).isEqualTo(installed);
        assertThat(seen).as("the new commit's workspace, the installed dependencies reused").contains("v2").contains("venv-there")
                .contains("deps/installed.txt: No such file");

        commit(origin, "requirements.txt", "demo==2\n");
        String third = session(server, envId, origin);
        List<JsonNode> thirdEvents = events(server, third);
        assertThat(statuses(thirdEvents)).anyMatch(r -> r.startsWith("setup cache miss"));
        assertThat(text(thirdEvents, "setup_output")).contains("running-setup");
    }

    @Test
    void after_a_restart_a_follow_up_finds_its_layer_over_the_snapshot_again() {
        TestServer server = magnet.server();
        Path origin = GitFixtures.bareOriginWith(magnet.dir(), Map.of("app.py", "print('v1')\n", "requirements.txt", "demo==1\n"));
        String envId = environment(server, Map.of("key", "commit"));
        String id = session(server, envId, origin);
        String installed = value(text(events(server, id), "tool_result"), "installed=");

        server = magnet.restart();
        magnet.model().script(Script.of(Turn.reply().toolUse("Bash", Map.of("command",
                        "echo \"again=$(cat /usr/local/share/demo/installed)\"; test -x \"$HOME/venv/bin/python\" && echo venv-there; "
                                + "cat /usr/local/share/demo/agent", "description", "look again")),
                Turn.reply().text("Done again.")));
        server.post("/api/sessions/" + id + "/messages", Map.of("text", "Look again"));
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(done.path("failure").isNull()).as(done.toString()).isTrue();
        String seen = text(events(server, id), "tool_result");
        assertThat(value(seen, "again=")).as("the snapshot below").isEqualTo(installed);
        assertThat(seen).contains("venv-there").as("its own layer above").contains("agent-change");
    }

    private String session(TestServer server, String envId, Path origin) {
        magnet.model().script(Script.of(Turn.reply().toolUse("Bash", Map.of("command", LOOK, "description", "look")),
                Turn.reply().text("Done.")));
        String id = server.createSession(Map.of("prompt", "Look", "environmentId", envId, "repo", origin.toString()))
                .path("id").asText();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(done.path("failure").isNull()).as(done.toString()).isTrue();
        return id;
    }

    private static String environment(TestServer server, Map<String, Object> cache) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "cache-" + System.nanoTime());
        body.put("image", "default");
        body.put("setupScript", SETUP);
        body.put("cache", cache);
        TestServer.Response created = server.post("/api/environments", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("id").asText();
    }

    private void commit(Path origin, String file, String content) throws Exception {
        Path work = magnet.dir().resolve("seed-files");
        Files.writeString(work.resolve(file), content);
        GitFixtures.git(work, "-c", "user.name=Seed", "-c", "user.email=seed@example.invalid", "commit", "-qam", "Change " + file);
        GitFixtures.git(work, "push", "-q", origin.toString(), "main");
    }

    private static List<String> statuses(List<JsonNode> events) {
        return events.stream().filter(e -> e.path("type").asText().equals("status"))
                .map(e -> e.path("data").path("reason").asText()).toList();
    }

    private static String value(String text, String prefix) {
        int at = text.indexOf(prefix);
        assertThat(at).as(prefix + " in " + text).isNotNegative();
        String rest = text.substring(at + prefix.length());
        return rest.substring(0, rest.indexOf('\\'));
    }
}
