package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.FakeGitHub;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.SseClient;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code kill -9} of the real server (its own JVM) at ten points spread across a session's phases. Each point is held
 * deterministically (a gate in the fake model or the fake GitHub, or a named pipe a step blocks on), the server is
 * killed, and a new one is started on the same data dir and database. Then: the session completes; every event
 * persisted before the kill is still there, exactly once, and {@code seq} runs on without a gap; a viewer that
 * reconnects with {@code Last-Event-ID} sees every event once; the model saw each message once; the pull request was
 * opened once; and nothing of the killed server's sandboxes (process or cgroup) is left on the host.
 *
 * <p>The fakes are shared by all points; each point has its own data dir, origin and (on PostgreSQL) schema.
 * {@code -Dmagnet.kill9.points=CLONING,PUSHING} runs only the points named.
 */
class KillNineIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String WEBHOOK_SECRET = "webhook-secret-for-kill-nine-tests";
    private static final List<String> CGROUP_CONTROLLERS = List.of("memory", "pids", "cpu");

    /** The database a point runs on. */
    enum Store { H2, POSTGRES }

    /** Where the server is killed: the session's phase, and what it is doing there. */
    enum Point {
        QUEUED(Store.H2, "queued: waiting for the only run slot, held by a session mid-turn"),
        PROVISIONING(Store.H2, "provisioning: writing the sandbox's files"),
        CLONING(Store.POSTGRES, "cloning: seeding the workspace inside the sandbox, from a GitHub repository"),
        STREAMING(Store.H2, "running: the model streaming text deltas"),
        TOOL_RUNNING(Store.POSTGRES, "running: a Bash tool running in the sandbox"),
        FOLLOW_UP_QUEUED(Store.H2, "running: a follow-up queued, not yet taken by the agent"),
        WAITING(Store.POSTGRES, "waiting: interrupted, then parked (no agent process)"),
        COMMITTING(Store.H2, "finishing: committing the agent's leftovers in the hand-over"),
        PUSHING(Store.POSTGRES, "finishing: pushing the session branch to GitHub"),
        OPENING_PR(Store.POSTGRES, "finishing: opening the pull request");

        final Store store;
        final String where;

        Point(Store store, String where) {
            this.store = store;
            this.where = where;
        }

        @Override
        public String toString() {
            return name() + " (" + store + "): " + where;
        }
    }

    private static FakeAnthropic model;
    private static FakeGitHub github;

    @TempDir
    static Path githubRoot;
    @TempDir
    Path dir;

    private Path data;
    private Path origin;
    private final List<Gate> gates = new ArrayList<>();
    /** Every session a point made, with the messages it was sent (its prompt first). */
    private final Map<String, List<String>> sessions = new LinkedHashMap<>();
    private SseClient viewer;

    @BeforeAll
    static void startFakes() {
        model = FakeAnthropic.start();
        github = FakeGitHub.start(githubRoot);
    }

    @AfterAll
    static void stopFakes() {
        model.close();
        github.close();
    }

    @AfterEach
    void openGates() {
        gates.forEach(Gate::open);
        if (viewer != null) {
            viewer.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Point.class)
    void a_session_killed_with_its_server_resumes_on_the_next_one_without_losing_or_repeating_anything(Point point)
            throws Exception {
        String only = System.getProperty("magnet.kill9.points", "");
        Assumptions.assumeTrue(only.isBlank() || List.of(only.split(",")).contains(point.name()),
                "-Dmagnet.kill9.points=" + only + " leaves " + point.name() + " out");
        model.reset();
        data = dir.resolve("data");
        origin = GitFixtures.bareOrigin(dir, 3);
        Path log = dir.resolve("server.log");
        Scenario scenario = scenario(point);
        Map<String, String> settings = new HashMap<>(github.appEnvironment(WEBHOOK_SECRET));
        settings.put("MAGNET_LEASE_SECONDS", "10");
        settings.putAll(scenario.settings());
        Process standIn = null;
        try (PostgresSchema schema = point.store == Store.POSTGRES ? PostgresSchema.create() : null) {
            if (schema != null) {
                settings.put("MAGNET_DATABASE_URL", schema.jdbcUrl());
            }
            String id;
            Map<String, List<JsonNode>> before = new LinkedHashMap<>();
            ChildServer first = ChildServer.start(data, model, log, settings);
            try {
                id = scenario.reach(first);
                for (String s : sessions.keySet()) {
                    before.put(s, first.events(s));
                }
                first.kill9();
            } finally {
                first.close();
            }
            List<SseClient.Frame> seenBeforeKill = viewer.events();
            scenario.afterKill(id);
            Map<Long, String> survivors = new LinkedHashMap<>();
            for (String s : sessions.keySet()) {
                survivors.putAll(whatOutlivesTheServer(s));
            }
            standIn = standInSurvivor(id);
            if (standIn != null) {
                survivors.put(standIn.pid(), "a stand-in for a sandbox process that outlived its server");
            }

            long restart = System.nanoTime();
            try (ChildServer second = ChildServer.start(data, model, log, settings)) {
                long started = System.nanoTime();
                awaitGone(survivors, "once the next server took over");
                String lastSeen = seenBeforeKill.isEmpty() ? null : seenBeforeKill.getLast().id();
                viewer = SseClient.open(second.baseUrl(), id, TestServer.API_KEY, lastSeen);
                scenario.afterRestart(second, id);
                for (String s : sessions.keySet()) {
                    JsonNode done = second.awaitEnd(s, TIMEOUT);
                    assertThat(done.path("status").asText()).as("%s ended %s", s, done).isEqualTo("completed");
                    checkEventLog(s, before.get(s), second.events(s));
                    checkTheModelSawEachMessageOnce(s);
                }
                long ended = System.nanoTime();
                viewer.awaitEnd(TIMEOUT);
                checkTheViewerSawEveryEventOnce(seenBeforeKill, viewer.events(), second.events(id));
                scenario.verify(second, id, second.session(id), second.events(id));
                for (String s : sessions.keySet()) {
                    awaitNothingLeftOnTheHost(s, "once the session ended on the next server");
                    assertThat(cgroupDirs(s)).as("cgroups of %s", s).noneMatch(Files::exists);
                }
                System.out.printf("kill -9 at %s: completed; events %d before the kill, %d in all; outlived the server:"
                                + " %d process(es); next server up in %d ms, session done %d ms later%n", point,
                        before.get(id).size(), second.events(id).size(), survivors.size() - (standIn == null ? 0 : 1),
                        (started - restart) / 1_000_000, (ended - started) / 1_000_000);
            }
        } finally {
            gates.forEach(Gate::open);
            if (standIn != null) {
                standIn.destroyForcibly();
            }
        }
    }

    // ---- the points

    /** How a point makes its session(s), holds one at the point, and what it must leave behind. */
    private interface Scenario {
        /** Extra server settings, for both servers. */
        default Map<String, String> settings() {
            return Map.of();
        }

        /** Makes the session(s) and holds the one under test at the point; returns its id. */
        String reach(ChildServer server) throws Exception;

        /**
         * After the kill, before the check that nothing was left behind and the next server's start: lets through
         * what a real origin would have answered meanwhile, and takes away what held the session.
         */
        default void afterKill(String id) throws Exception {
        }

        /** Once the next server is up. */
        default void afterRestart(ChildServer server, String id) {
        }

        /** What this point must leave behind, beyond what every point checks. */
        default void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
        }
    }

    private Scenario scenario(Point point) {
        return switch (point) {
            case QUEUED -> new Queued();
            case PROVISIONING -> new Provisioning();
            case CLONING -> new Cloning();
            case STREAMING -> new Streaming();
            case TOOL_RUNNING -> new ToolRunning();
            case FOLLOW_UP_QUEUED -> new FollowUpQueued();
            case WAITING -> new Waiting();
            case COMMITTING -> new Committing();
            case PUSHING -> new Pushing();
            case OPENING_PR -> new OpeningPullRequest();
        };
    }

    /** With one run slot, held by a session whose model answer is held, a second session stays queued. */
    private final class Queued implements Scenario {
        @Override
        public Map<String, String> settings() {
            return Map.of("MAGNET_MAX_SESSIONS", "1");
        }

        @Override
        public String reach(ChildServer server) throws InterruptedException {
            Gate held = gate();
            model.script(Script.of(Turn.reply().text("Looking at it.").heldBy(held)));
            create(server, "Hold the only run slot for a while", false);
            held.awaitReached(TIMEOUT);
            String id = create(server, "Wait in the queue behind the other session", true);
            JsonNode queued = server.session(id);
            assertThat(queued.path("phase").asText()).isEqualTo("queued");
            assertThat(queued.path("queuePosition").asInt()).isEqualTo(1);
            return id;
        }

        @Override
        public void afterKill(String id) {
            model.script(Script.empty());
        }
    }

    /**
     * The sandbox's generated files are named pipes nobody reads, so provisioning blocks writing them. They are
     * planted while the session waits for the run slot (the folder is made before the runner takes it up), and the
     * session that held the slot completes first: a completed session is there when the server is killed, too.
     */
    private final class Provisioning implements Scenario {
        private final List<Path> pipes = new ArrayList<>();
        private String first;
        private List<JsonNode> firstEvents;

        @Override
        public Map<String, String> settings() {
            return Map.of("MAGNET_MAX_SESSIONS", "1");
        }

        @Override
        public String reach(ChildServer server) throws Exception {
            Gate held = gate();
            model.script(Script.of(Turn.reply().text("Nothing to change.").heldBy(held)));
            first = create(server, "Finish before the next session starts", false);
            held.awaitReached(TIMEOUT);
            String id = create(server, "Start once the first session is done", true);
            Path run = data.resolve("sessions").resolve(id).resolve("run");
            Files.createDirectories(run);
            for (String file : List.of("passwd", "group", "hosts")) {
                pipes.add(mkfifo(run.resolve(file)));
            }
            held.open();
            server.awaitStatus(first, "completed", TIMEOUT);
            firstEvents = server.events(first);
            awaitPhase(server, id, "provisioning");
            return id;
        }

        @Override
        public void afterKill(String id) throws IOException {
            for (Path pipe : pipes) {
                Files.deleteIfExists(pipe);
            }
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            assertThat(server.events(first)).as("the session that had completed is left as it was").isEqualTo(firstEvents);
        }
    }

    /**
     * A GitHub repository whose fetch is held until the agent's home holds a named pipe as {@code .gitconfig}: the
     * workspace's seed ({@code git init} inside the sandbox) then blocks reading it.
     */
    private final class Cloning implements Scenario {
        private static final String REPO = "acme/kill-cloning";
        private Path pipe;

        @Override
        public String reach(ChildServer server) throws Exception {
            github.addRepo(REPO);
            Gate fetch = gate();
            github.hold("POST", "/" + REPO + ".git/git-upload-pack", fetch);
            model.script(Script.of(
                    Turn.reply().toolUse("Bash", commit("cloned.txt")),
                    Turn.reply().text("Added cloned.txt.")));
            String id = create(server, "Add cloned.txt", true, github.apiUrl() + "/" + REPO + ".git");
            fetch.awaitReached(TIMEOUT);
            pipe = mkfifo(data.resolve("sessions").resolve(id).resolve("home").resolve(".gitconfig"));
            fetch.open();
            awaitHostProcess("the workspace's seed", cmd -> cmd.contains("magnet-seed"));
            assertThat(server.session(id).path("phase").asText()).isEqualTo("cloning");
            return id;
        }

        @Override
        public void afterKill(String id) throws IOException {
            Files.delete(pipe);
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            assertThat(GitFixtures.git(github.bare(REPO), "show", done.path("branch").asText() + ":cloned.txt"))
                    .isEqualTo("cloned\n");
            assertOnePullRequest(REPO, done, events);
        }
    }

    /** The model streams a long text slowly; the server dies once some of its deltas are stored. */
    private final class Streaming implements Scenario {
        @Override
        public String reach(ChildServer server) {
            model.script(Script.of(Turn.reply().text("Let me explain the plan step by step. ".repeat(40))
                    .chunked(8, Duration.ofMillis(100))));
            String id = create(server, "Explain the plan, then write streamed.txt", true);
            awaitEvents(server, id, "some streamed deltas", events -> count(events, "delta") >= 3);
            assertThat(count(server.events(id), "turn_result")).isZero();
            return id;
        }

        @Override
        public void afterKill(String id) {
            model.script(Script.of(
                    Turn.reply().toolUse("Write", Map.of("file_path", "streamed.txt", "content", "streamed\n")),
                    Turn.reply().text("Wrote streamed.txt after the restart.")));
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":streamed.txt")).isEqualTo("streamed\n");
        }
    }

    /** A Bash tool runs a long command in the sandbox (not {@code sleep}: the CLI refuses long sleeps). */
    private final class ToolRunning implements Scenario {
        private static final String LONG_STEP = "python3 -c import time; time.sleep(317)";

        @Override
        public String reach(ChildServer server) {
            model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("command", "python3 -c 'import time; time.sleep(317)'",
                    "description", "a long step", "timeout", 600000))));
            String id = create(server, "Run the long step, then write tool.txt", true);
            awaitEvents(server, id, "the tool call", events -> count(events, "tool_use") == 1);
            awaitHostProcess("the tool's command", cmd -> cmd.equals(LONG_STEP));
            return id;
        }

        @Override
        public void afterKill(String id) {
            model.script(Script.of(
                    Turn.reply().toolUse("Write", Map.of("file_path", "tool.txt", "content", "tool\n")),
                    Turn.reply().text("Wrote tool.txt after the restart.")));
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":tool.txt")).isEqualTo("tool\n");
        }
    }

    /** While the model's answer is held, a follow-up is sent: stored and written to the agent, not yet taken. */
    private final class FollowUpQueued implements Scenario {
        private static final String FOLLOW_UP = "Also write second.txt (follow-up 7f3a)";

        @Override
        public String reach(ChildServer server) throws InterruptedException {
            Gate held = gate();
            model.script(Script.of(Turn.reply().text("Thinking it over.").heldBy(held)));
            String id = create(server, "Write first.txt", true);
            held.awaitReached(TIMEOUT);
            send(server, id, FOLLOW_UP);
            List<JsonNode> events = server.events(id);
            String messageId = userMessageId(events, FOLLOW_UP);
            assertThat(events).as("the follow-up is not delivered yet").noneMatch(e -> delivered(e, messageId));
            return id;
        }

        @Override
        public void afterKill(String id) {
            model.script(Script.of(
                    Turn.reply().toolUse("Write", Map.of("file_path", "first.txt", "content", "first\n")),
                    Turn.reply().toolUse("Write", Map.of("file_path", "second.txt", "content", "second\n")),
                    Turn.reply().text("Wrote both files.")));
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            String messageId = userMessageId(events, FOLLOW_UP);
            assertThat(events.stream().filter(e -> delivered(e, messageId)).count())
                    .as("the follow-up is announced delivered once").isEqualTo(1);
            long resumedAt = events.stream().filter(e -> e.path("data").path("reason").asText().startsWith("resumed after a restart"))
                    .mapToLong(e -> e.path("seq").asLong()).findFirst().orElseThrow();
            assertThat(events).as("delivered by the next server").anySatisfy(e -> {
                assertThat(delivered(e, messageId)).isTrue();
                assertThat(e.path("seq").asLong()).isGreaterThan(resumedAt);
            });
            assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":second.txt")).isEqualTo("second\n");
        }
    }

    /** A long tool is interrupted; the agent then waits for a message and is parked (phase waiting, no process). */
    private final class Waiting implements Scenario {
        private static final String FOLLOW_UP = "Carry on and write resumed.txt (follow-up 91c2)";

        @Override
        public Map<String, String> settings() {
            return Map.of("MAGNET_PARK_SECONDS", "1");
        }

        @Override
        public String reach(ChildServer server) {
            model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("command", "python3 -c 'import time; time.sleep(318)'",
                    "description", "a long job", "timeout", 600000))));
            String id = create(server, "Run the long job", true);
            awaitHostProcess("the tool's command", cmd -> cmd.equals("python3 -c import time; time.sleep(318)"));
            server.post("/api/sessions/" + id + "/interrupt", null);
            awaitPhase(server, id, "waiting");
            return id;
        }

        @Override
        public void afterKill(String id) {
            model.script(Script.of(
                    Turn.reply().toolUse("Write", Map.of("file_path", "resumed.txt", "content", "resumed\n")),
                    Turn.reply().text("Picked up where I left off.")));
        }

        @Override
        public void afterRestart(ChildServer server, String id) {
            Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> server.session(id).path("phase").asText().equals("waiting"));
            send(server, id, FOLLOW_UP);
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":resumed.txt")).isEqualTo("resumed\n");
        }
    }

    /**
     * The agent leaves a file uncommitted behind a clean filter that reads a named pipe in its temp folder, so the
     * hand-over's {@code git add} (inside the sandbox) blocks on it.
     */
    private final class Committing implements Scenario {
        @Override
        public String reach(ChildServer server) {
            model.script(Script.of(
                    Turn.reply().toolUse("Bash", Map.of("description", "leave work for Magnet to commit", "command",
                            "mkfifo /tmp/hold-commit && git config filter.hold.clean 'cat /tmp/hold-commit >/dev/null 2>&1; cat'"
                                    + " && echo '*.txt filter=hold' > .gitattributes && echo leftover > left.txt && echo ready")),
                    Turn.reply().text("Left left.txt for Magnet to commit.")));
            String id = create(server, "Leave left.txt uncommitted", true);
            awaitHostProcess("the hand-over's clean filter", cmd -> cmd.equals("cat /tmp/hold-commit"));
            assertThat(server.session(id).path("phase").asText()).isEqualTo("finishing");
            return id;
        }

        @Override
        public void afterKill(String id) throws IOException {
            Files.delete(data.resolve("sessions").resolve(id).resolve("tmp").resolve("hold-commit"));
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            String branch = done.path("branch").asText();
            assertThat(GitFixtures.git(origin, "show", branch + ":left.txt")).isEqualTo("leftover\n");
            assertThat(GitFixtures.git(origin, "log", "--format=%s", "main.." + branch).lines()
                    .filter(s -> s.startsWith("Leftover changes")).count()).as("leftovers committed once").isEqualTo(1);
        }
    }

    /**
     * GitHub holds the push of the session branch. After the kill it goes through (GitHub acts on what it read), as a
     * push whose answer the dead server never got.
     */
    private final class Pushing implements Scenario {
        private static final String REPO = "acme/kill-push";
        private Gate push;

        @Override
        public String reach(ChildServer server) throws InterruptedException {
            github.addRepo(REPO);
            push = gate();
            github.hold("POST", "/" + REPO + ".git/git-receive-pack", push);
            model.script(Script.of(
                    Turn.reply().toolUse("Bash", commit("pushed.txt")),
                    Turn.reply().text("Added pushed.txt.")));
            String id = create(server, "Add pushed.txt", true, github.apiUrl() + "/" + REPO + ".git");
            push.awaitReached(TIMEOUT);
            return id;
        }

        @Override
        public void afterKill(String id) {
            push.open();
            Awaitility.await().atMost(TIMEOUT).until(() -> GitFixtures.branches(github.bare(REPO)).size() == 2);
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            assertThat(GitFixtures.git(github.bare(REPO), "show", done.path("branch").asText() + ":pushed.txt"))
                    .isEqualTo("pushed\n");
            assertOnePullRequest(REPO, done, events);
        }
    }

    /**
     * GitHub holds the request that opens the pull request. After the kill it goes through: the pull request exists,
     * but the dead server never learnt its number.
     */
    private final class OpeningPullRequest implements Scenario {
        private static final String REPO = "acme/kill-pr";
        private Gate open;

        @Override
        public String reach(ChildServer server) throws InterruptedException {
            github.addRepo(REPO);
            open = gate();
            github.hold("POST", "/repos/" + REPO + "/pulls", open);
            model.script(Script.of(
                    Turn.reply().toolUse("Bash", commit("reviewed.txt")),
                    Turn.reply().text("Added reviewed.txt.")));
            String id = create(server, "Add reviewed.txt", true, github.apiUrl() + "/" + REPO + ".git");
            open.awaitReached(TIMEOUT);
            return id;
        }

        @Override
        public void afterKill(String id) {
            open.open();
            Awaitility.await().atMost(TIMEOUT).until(() -> github.pulls(REPO).size() == 1);
        }

        @Override
        public void verify(ChildServer server, String id, JsonNode done, List<JsonNode> events) {
            assertOnePullRequest(REPO, done, events);
        }
    }

    // ---- what every point checks

    /** Every event stored before the kill is kept as it was, {@code seq} runs 1..n, and nothing happened twice. */
    private void checkEventLog(String id, List<JsonNode> before, List<JsonNode> after) {
        assertThat(after.size()).as("events of %s", id).isGreaterThanOrEqualTo(before.size());
        assertThat(after.subList(0, before.size())).as("what %s had stored before the kill is kept as it was", id)
                .isEqualTo(before);
        assertThat(after.stream().map(e -> e.path("seq").asLong()).toList()).as("seq of %s", id)
                .isEqualTo(LongStream.rangeClosed(1, after.size()).boxed().toList());
        assertThat(values(after, "tool_use", "toolUseId")).as("tool calls of %s", id).doesNotHaveDuplicates();
        assertThat(values(after, "tool_result", "toolUseId")).as("tool results of %s", id).doesNotHaveDuplicates();
        assertThat(values(after, "user_message", "messageId")).as("messages of %s", id).doesNotHaveDuplicates()
                .hasSize(sessions.get(id).size());
        assertThat(values(after, "message_delivered", "messageId")).as("deliveries of %s", id).doesNotHaveDuplicates();
        assertThat(after.stream().filter(e -> e.path("type").asText().equals("pr")
                && e.path("data").path("action").asText().equals("opened")).count()).as("PRs opened by %s", id)
                .isLessThanOrEqualTo(1);
        // why: a push cut off by the kill runs again; the origin then already has the commit ("up to date")
        assertThat(after.stream().filter(e -> e.path("type").asText().equals("status")
                && e.path("data").path("reason").asText().startsWith("pushed ")
                && !e.path("data").path("reason").asText().endsWith("(up_to_date)")).count())
                .as("pushes of %s that moved the branch", id).isLessThanOrEqualTo(1);
    }

    /** In the last request of the session's conversation, each message it was sent appears exactly once. */
    private void checkTheModelSawEachMessageOnce(String id) {
        List<String> messages = sessions.get(id);
        List<RecordedRequest> conversation = model.mainRequests().stream()
                .filter(r -> r.mentions(messages.getFirst())).toList();
        assertThat(conversation).as("model requests of %s", id).isNotEmpty();
        String last = String.join("\n", conversation.getLast().summary().messagesText());
        for (String message : messages) {
            assertThat(occurrences(last, message)).as("times the model saw \"%s\" in %s", message, last).isEqualTo(1);
        }
    }

    /** The viewer, on the killed server and then again with {@code Last-Event-ID}, saw each event once, as stored. */
    static void checkTheViewerSawEveryEventOnce(List<SseClient.Frame> first, List<SseClient.Frame> second,
                                                        List<JsonNode> log) {
        List<SseClient.Frame> seen = new ArrayList<>(first);
        seen.addAll(second);
        assertThat(seen.stream().map(f -> Long.parseLong(f.id())).toList()).as("ids the viewer saw")
                .isEqualTo(LongStream.rangeClosed(1, log.size()).boxed().toList());
        assertThat(seen.stream().map(f -> withoutTime(f.json())).toList()).as("events the viewer saw")
                .isEqualTo(log.stream().map(KillNineIT::withoutTime).toList());
        // why: a live frame carries the event's time as taken (nanoseconds); the stored event has it in microseconds
        // (PostgreSQL rounds, H2 cuts), so the two may differ by up to a microsecond
        for (int i = 0; i < log.size(); i++) {
            Duration apart = Duration.between(Instant.parse(log.get(i).path("at").asText()),
                    Instant.parse(seen.get(i).json().path("at").asText())).abs();
            assertThat(apart).as("time of event %s, live and stored", i + 1).isLessThan(Duration.ofNanos(1001));
        }
    }

    private static JsonNode withoutTime(JsonNode event) {
        ObjectNode copy = event.deepCopy();
        copy.remove("at");
        return copy;
    }

    /**
     * What of the session's is still alive a few seconds after its server was killed: processes in its cgroups, or
     * naming it or the data dir, or working in the data dir. Normally nothing: the sandboxes die with the server
     * ({@code --die-with-parent}), and so does host git (its watchdog is in the server), except a push or fetch
     * waiting on the origin, which ends when the origin answers.
     */
    private Map<Long, String> whatOutlivesTheServer(String id) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> leftOnTheHost(id).isEmpty());
        } catch (ConditionTimeoutException e) {
            // why: bubblewrap binds a sandbox to its server only once the sandbox's first process runs, so one that
            // was starting when the server was killed outlives it; the next server kills it when it takes over
        }
        return leftOnTheHost(id);
    }

    /**
     * For a session whose sandbox the killed server held (its cgroups are still there), a process in those cgroups,
     * standing in for a sandbox process that outlived its server; null when there is none to join.
     */
    private static Process standInSurvivor(String id) throws IOException {
        List<Path> groups = cgroupDirs(id);
        if (!groups.stream().allMatch(Files::isDirectory)) {
            return null;
        }
        List<String> command = new ArrayList<>(List.of("sh", "-c",
                "for f in \"$@\"; do echo $$ > \"$f\" || exit 1; done; exec sleep 600", "stand-in"));
        groups.forEach(g -> command.add(g.resolve("cgroup.procs").toString()));
        Process p = new ProcessBuilder(command).start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> groups.stream().allMatch(g -> {
            try {
                return Files.readString(g.resolve("cgroup.procs")).contains(Long.toString(p.pid()));
            } catch (IOException e) {
                return false;
            }
        }));
        return p;
    }

    private static void awaitGone(Map<Long, String> processes, String when) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> processes.keySet().stream().noneMatch(KillNineIT::alive));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("still alive " + when + ": " + processes.entrySet().stream()
                    .filter(p -> alive(p.getKey())).toList(), e);
        }
    }

    /** Whether the process runs (a zombie does not: nothing of it is left but its exit status). */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Nothing of the session's is running on the host: its cgroups hold no process, and no process names it. */
    private void awaitNothingLeftOnTheHost(String id, String when) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> leftOnTheHost(id).isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("left on the host " + when + ": " + leftOnTheHost(id).values(), e);
        }
    }

    /** Processes in the session's cgroups, or naming it or the data dir, or working in the data dir. */
    private Map<Long, String> leftOnTheHost(String id) {
        Map<Long, String> left = new LinkedHashMap<>();
        for (Path group : cgroupDirs(id)) {
            try {
                Path procs = group.resolve("cgroup.procs");
                for (String pid : Files.exists(procs) ? Files.readAllLines(procs) : List.<String>of()) {
                    if (!pid.isBlank() && alive(Long.parseLong(pid.strip()))) {
                        left.putIfAbsent(Long.parseLong(pid.strip()), "in " + group);
                    }
                }
            } catch (IOException e) {
                // the group went away meanwhile
            }
        }
        String dataDir = data.toAbsolutePath().toString();
        hostProcessInfo().forEach((pid, info) -> {
            if (info.commandLine().contains(id) || info.commandLine().contains(dataDir)
                    || info.cwd().startsWith(dataDir)) {
                left.put(pid, info.toString());
            }
        });
        return left;
    }

    private static List<Path> cgroupDirs(String id) {
        return CGROUP_CONTROLLERS.stream().map(c -> Path.of("/sys/fs/cgroup", c, "magnet", "session-" + id)).toList();
    }

    // ---- helpers

    private Gate gate() {
        Gate g = Gate.closed();
        gates.add(g);
        return g;
    }

    private String create(ChildServer server, String prompt, boolean watched) {
        return create(server, prompt, watched, origin.toString());
    }

    /** Creates a session; the watched one gets a viewer on its event stream. */
    private String create(ChildServer server, String prompt, boolean watched, String repo) {
        String id = server.createSession(Map.of("prompt", prompt, "repo", repo)).path("id").asText();
        sessions.put(id, new ArrayList<>(List.of(prompt)));
        if (watched) {
            viewer = SseClient.open(server.baseUrl(), id, TestServer.API_KEY, null);
        }
        return id;
    }

    private void send(ChildServer server, String id, String text) {
        server.post("/api/sessions/" + id + "/messages", Map.of("text", text));
        sessions.get(id).add(text);
    }

    private static Map<String, Object> commit(String file) {
        String name = file.substring(0, file.indexOf('.'));
        return Map.of("description", "commit " + file, "command",
                "echo " + name + " > " + file + " && git add " + file + " && git commit -qm 'Add " + file + "'");
    }

    private void assertOnePullRequest(String repo, JsonNode done, List<JsonNode> events) {
        List<JsonNode> pulls = github.pulls(repo);
        assertThat(pulls).as("pull requests of %s", repo).hasSize(1);
        assertThat(done.path("pr").path("number").asInt()).isEqualTo(pulls.getFirst().path("number").asInt());
        assertThat(events.stream().filter(e -> e.path("type").asText().equals("pr")).map(e -> e.path("data")
                .path("action").asText()).toList()).containsExactly("opened");
    }

    private static void awaitPhase(ChildServer server, String id, String phase) {
        try {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> server.session(id).path("phase").asText().equals(phase));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(id + " never reached " + phase + ": " + server.session(id), e);
        }
    }

    static void awaitEvents(ChildServer server, String id, String what, Predicate<List<JsonNode>> until) {
        try {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> server.events(id), until);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + what + " in " + server.events(id), e);
        }
    }

    private static void awaitHostProcess(String what, Predicate<String> commandLine) {
        try {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> !hostProcesses(commandLine).isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + " never ran", e);
        }
    }

    private static List<Long> hostProcesses(Predicate<String> commandLine) {
        return hostProcessInfo().entrySet().stream().filter(e -> commandLine.test(e.getValue().commandLine()))
                .map(Map.Entry::getKey).toList();
    }

    /** A host process: its arguments joined by spaces, and its working folder. */
    private record ProcessInfo(String commandLine, String cwd) {
    }

    /** Every process on the host (read from {@code /proc}, as root sees them all, sandboxed ones included). */
    private static Map<Long, ProcessInfo> hostProcessInfo() {
        Map<Long, ProcessInfo> all = new LinkedHashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    byte[] raw = Files.readAllBytes(p.resolve("cmdline"));
                    String cmd = new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
                    String cwd;
                    try {
                        cwd = Files.readSymbolicLink(p.resolve("cwd")).toString();
                    } catch (IOException e) {
                        cwd = "";
                    }
                    if (!cmd.isEmpty() && Long.parseLong(p.getFileName().toString()) != ProcessHandle.current().pid()) {
                        all.put(Long.parseLong(p.getFileName().toString()), new ProcessInfo(cmd, cwd));
                    }
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return all;
    }

    private static Path mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", "-m", "0644", path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("mkfifo " + path + " failed: " + out);
        }
        return path;
    }

    private static long count(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.path("type").asText().equals(type)).count();
    }

    private static List<String> values(List<JsonNode> events, String type, String field) {
        return events.stream().filter(e -> e.path("type").asText().equals(type))
                .map(e -> e.path("data").path(field).asText()).toList();
    }

    private static String userMessageId(List<JsonNode> events, String text) {
        return events.stream().filter(e -> e.path("type").asText().equals("user_message")
                        && e.path("data").path("text").asText().equals(text))
                .map(e -> e.path("data").path("messageId").asText()).findFirst()
                .orElseThrow(() -> new AssertionError("no user_message \"" + text + "\" in " + events));
    }

    private static boolean delivered(JsonNode event, String messageId) {
        return event.path("type").asText().equals("message_delivered")
                && event.path("data").path("messageId").asText().equals(messageId);
    }

    private static int occurrences(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }
}
