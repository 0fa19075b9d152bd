package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.EventChecks;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.Script;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The file system of the data dir fills up: the data dir is a small tmpfs of its own (the embedded database lives
 * there too, as it does by default), and a session's agent writes a file bigger than the space left. That session
 * must fail with a typed reason that says the disk is full; the server must live on and, with the space back, run
 * the next session to the end.
 */
class DataDirFullIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final int SIZE_MIB = 64;

    @TempDir
    Path dir;
    private Path data;
    private FakeAnthropic model;

    @BeforeEach
    void mountASmallFileSystem() throws IOException, InterruptedException {
        data = Files.createDirectories(dir.resolve("data"));
        if (!run("mount", "-t", "tmpfs", "-o", "size=" + SIZE_MIB + "m,mode=0700", "magnet-data-dir-full-it",
                data.toString())) {
            throw new IllegalStateException("could not mount a tmpfs on " + data + " (this test needs root)");
        }
        model = FakeAnthropic.start();
    }

    @AfterEach
    void unmount() throws IOException, InterruptedException {
        model.close();
        // why: lazily when something still holds a file there, so that no mount outlives the test
        if (!run("umount", data.toString())) {
            run("umount", "-l", data.toString());
        }
    }

    /** Where the database lives. */
    enum Store { H2_IN_THE_DATA_DIR, POSTGRES_ELSEWHERE }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Store.class)
    void a_session_that_fills_the_data_dir_fails_saying_so_and_the_server_runs_the_next_one(Store store) throws Exception {
        Path origin = GitFixtures.bareOrigin(dir, 2);
        // why: random bytes, so that git cannot pack them small when the hand-over commits what the agent left
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("description", "write a big file", "command",
                        "dd if=/dev/urandom of=big.bin bs=1M count=" + 4 * SIZE_MIB + " status=none; echo dd-rc=$?")),
                Turn.reply().text("Wrote what fitted.")));
        try (PostgresSchema schema = store == Store.POSTGRES_ELSEWHERE ? PostgresSchema.create() : null;
             ChildServer server = ChildServer.start(data, model, dir.resolve("server.log"),
                     schema == null ? Map.of() : Map.of("MAGNET_DATABASE_URL", schema.jdbcUrl()))) {
            String filler = server.createSession(Map.of("prompt", "Fill the disk", "repo", origin.toString()))
                    .path("id").asText();
            JsonNode failed = awaitEndThroughErrors(server, filler);
            List<JsonNode> events = server.events(filler);
            String message = failed.path("failure").path("message").asText();
            long free = Files.getFileStore(data).getUsableSpace();

            assertThat(failed.path("status").asText()).as("%s ended %s", filler, failed).isEqualTo("failed");
            assertThat(failed.path("failure").path("reason").asText()).as(message).isEqualTo("sandbox_failed");
            assertThat(message).contains("ran out of disk space").contains("the file system of the data dir " + data)
                    .contains("were removed to give the space back");
            EventChecks.assertWhole(filler, events);
            assertThat(events.getLast().path("data").path("failure").path("reason").asText()).isEqualTo("sandbox_failed");
            assertThat(data.resolve("sessions").resolve(filler).resolve("workspace")).as("the filler's workspace")
                    .doesNotExist();
            assertThat(free).as("space given back").isGreaterThan((long) SIZE_MIB / 2 << 20);
            assertThat(server.get("/api/sessions").path("sessions").findValuesAsText("id")).contains(filler);

            model.script(Script.of(
                    Turn.reply().toolUse("Bash", Map.of("description", "commit a small file", "command",
                            "echo fine > small.txt && git add small.txt && git commit -qm 'Add small.txt'")),
                    Turn.reply().text("Added small.txt.")));
            String next = server.createSession(Map.of("prompt", "Add small.txt", "repo", origin.toString()))
                    .path("id").asText();
            JsonNode done = server.awaitEnd(next, TIMEOUT);
            assertThat(done.path("status").asText()).as("the next session ended %s", done).isEqualTo("completed");
            EventChecks.assertWhole(next, server.events(next));
            assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":small.txt")).isEqualTo("fine\n");
            System.out.printf("data dir full (%s): %s failed %s: %s; stored %d events (%d tool_use, %d tool_result); "
                            + "%s MiB free afterwards; the next session completed%n", store, filler,
                    failed.path("failure").path("reason").asText(), message, events.size(),
                    EventChecks.count(events, "tool_use"), EventChecks.count(events, "tool_result"), free >> 20);
        }
    }

    /**
     * Waits until the session is no longer active. While the disk is full, the embedded database cannot be read (it
     * closed itself when a write failed) and the API answers 500; those answers are waited through.
     */
    private static JsonNode awaitEndThroughErrors(ChildServer server, String id) {
        try {
            return Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> server.session(id), s -> !s.path("status").asText().equals("active"));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("session " + id + " did not end", e);
        }
    }

    /** Runs a command; false when it failed (what it said then goes to stderr). */
    private static boolean run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            System.err.println(String.join(" ", command) + ": " + out);
            return false;
        }
        return true;
    }
}
