package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.EventChecks;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.Script;
import dev.magnet.testing.SseClient;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers (their own JVMs) on one PostgreSQL schema and one data dir, as servers that may take over each other's
 * sessions with the local sandbox must be. A viewer on the server that does not run a session sees its events as they
 * are written (woken by {@code NOTIFY}, not by the stream's 15 s heartbeat), and a dashboard's workspace stream there
 * hears that the session changed; when the server that runs a session is
 * killed with {@code kill -9} mid-turn, the other one resumes it within the lease and completes it, and the viewers
 * of both saw every event exactly once and in order.
 */
class TwoServersIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int LEASE_SECONDS = 10;
    /** Well under the stream's 15 s heartbeat and recheck, so only a notification can have woken the viewer. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    private static FakeAnthropic model;

    @TempDir
    Path dir;

    private PostgresSchema schema;
    private Path data;
    private Path origin;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<Gate> gates = new ArrayList<>();

    @BeforeAll
    static void startModel() {
        model = FakeAnthropic.start();
    }

    @AfterAll
    static void stopModel() {
        model.close();
    }

    @BeforeEach
    void freshSchema() throws Exception {
        model.reset();
        schema = PostgresSchema.create();
        data = dir.resolve("data");
        origin = GitFixtures.bareOrigin(dir, 3);
    }

    @AfterEach
    void closeAll() throws Exception {
        gates.forEach(Gate::open);
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        schema.close();
    }

    @Test
    void a_viewer_on_one_server_sees_the_events_another_server_writes_promptly() throws Exception {
        ChildServer a = start("a");
        Gate held = gate();
        model.script(Script.of(Turn.reply().text("Written on server A, seen on server B.").heldBy(held)));
        String id = a.createSession(Map.of("prompt", "Say where you are", "repo", origin.toString())).path("id").asText();
        held.awaitReached(TIMEOUT);
        assertThat(holderPid(id)).as("the server running the session").isEqualTo(a.pid());
        ChildServer b = start("b");
        SseClient viewer = viewer(b, id, null);
        long before = lastSeq(id);
        viewer.awaitFrame(f -> f.id() != null && Long.parseLong(f.id()) == before, TIMEOUT);

        long opened = System.nanoTime();
        held.open();
        viewer.awaitFrame(f -> f.json().path("type").asText().equals("text"), PROMPTLY);
        System.out.printf("a text written on server A reached the viewer on server B %d ms after the model answered%n",
                (System.nanoTime() - opened) / 1_000_000);

        viewer.awaitEnd(TIMEOUT);
        assertThat(b.awaitEnd(id, TIMEOUT).path("status").asText()).isEqualTo("completed");
        KillNineIT.checkTheViewerSawEveryEventOnce(viewer.events(), List.of(), b.events(id));
    }

    @Test
    void a_workspace_stream_on_one_server_hears_promptly_of_a_session_another_server_runs() throws Exception {
        ChildServer a = start("a");
        Gate held = gate();
        model.script(Script.of(Turn.reply().text("Changed on server A, listed on server B.").heldBy(held)));
        String id = a.createSession(Map.of("prompt", "Change where B lists you", "repo", origin.toString())).path("id").asText();
        held.awaitReached(TIMEOUT);
        // why: server A holds the session until it ends, so server B writes nothing about it: only a notification tells B
        assertThat(holderPid(id)).as("the server running the session").isEqualTo(a.pid());
        ChildServer b = start("b");
        SseClient dashboardOnB = SseClient.openPath(b.baseUrl(), "/api/workspace/events", Map.of("x-api-key", TestServer.API_KEY));
        open.add(dashboardOnB);
        assertThat(dashboardOnB.status()).isEqualTo(200);
        Awaitility.await().atMost(TIMEOUT).until(() -> !dashboardOnB.comments().isEmpty());

        held.open();
        dashboardOnB.awaitFrame(f -> "sessions".equals(f.event()) && f.json().path("ids").toString().contains(id), PROMPTLY);
        assertThat(a.awaitEnd(id, TIMEOUT).path("status").asText()).isEqualTo("completed");
    }

    @Test
    void a_session_whose_server_is_killed_mid_turn_is_resumed_and_completed_by_the_other_and_both_viewers_see_every_event_once()
            throws Exception {
        ChildServer a = start("a");
        model.script(Script.of(Turn.reply().text("Let me explain the plan step by step. ".repeat(200))
                .chunked(8, Duration.ofMillis(100))));
        String id = a.createSession(Map.of("prompt", "Explain the plan, then write resumed.txt", "repo", origin.toString()))
                .path("id").asText();
        SseClient onA = viewer(a, id, null);
        KillNineIT.awaitEvents(a, id, "some streamed deltas", events -> EventChecks.count(events, "delta") >= 3);
        assertThat(holderPid(id)).as("the server running the session").isEqualTo(a.pid());
        ChildServer b = start("b");
        SseClient onB = viewer(b, id, null);
        int seenOnB = awaitSomeFrames(onB, 1);
        awaitSomeFrames(onB, seenOnB + 3); // why: live deltas, written on A, reach the viewer on B

        a.kill9();
        long killed = System.nanoTime();
        List<SseClient.Frame> seenOnA = onA.events();
        model.script(Script.of(
                Turn.reply().toolUse("Write", Map.of("file_path", "resumed.txt", "content", "resumed\n")),
                Turn.reply().text("Wrote resumed.txt on the other server.")));
        awaitHolder(id, b.pid(), Duration.ofSeconds(LEASE_SECONDS + 5));
        System.out.printf("server B took the session over %d ms after server A was killed (lease %d s)%n",
                (System.nanoTime() - killed) / 1_000_000, LEASE_SECONDS);
        // why: the viewer of the killed server reconnects as a browser does, to whichever server answers
        SseClient again = viewer(b, id, seenOnA.isEmpty() ? null : seenOnA.getLast().id());

        JsonNode done = b.awaitEnd(id, TIMEOUT);
        assertThat(done.path("status").asText()).as("session %s", done).isEqualTo("completed");
        onB.awaitEnd(TIMEOUT);
        again.awaitEnd(TIMEOUT);
        List<JsonNode> log = b.events(id);
        EventChecks.assertWhole(id, log);
        KillNineIT.checkTheViewerSawEveryEventOnce(onB.events(), List.of(), log);
        KillNineIT.checkTheViewerSawEveryEventOnce(seenOnA, again.events(), log);
        assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":resumed.txt")).isEqualTo("resumed\n");
    }

    // ---- helpers

    private ChildServer start(String name) throws Exception {
        ChildServer server = ChildServer.start(data, model, dir.resolve("server-" + name + ".log"), Map.of(
                "MAGNET_DATABASE_URL", schema.jdbcUrl(),
                "MAGNET_LEASE_SECONDS", Integer.toString(LEASE_SECONDS),
                "MAGNET_STREAM_RECHECK_SECONDS", "15"));
        open.add(server);
        return server;
    }

    private SseClient viewer(ChildServer server, String id, String lastEventId) {
        SseClient viewer = SseClient.open(server.baseUrl(), id, TestServer.API_KEY, lastEventId);
        open.add(viewer);
        return viewer;
    }

    private Gate gate() {
        Gate g = Gate.closed();
        gates.add(g);
        return g;
    }

    /** The process id of the server whose runner holds the session now, or 0. */
    private long holderPid(String id) {
        List<String> pid = schema.column("select r.pid from sessions s join runners r on r.id = s.runner_id where s.id = '"
                + id + "'");
        return pid.isEmpty() ? 0 : Long.parseLong(pid.getFirst());
    }

    private long lastSeq(String id) {
        return Long.parseLong(schema.column("select last_seq from sessions where id = '" + id + "'").getFirst());
    }

    private void awaitHolder(String id, long pid, Duration within) {
        try {
            Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(100)).until(() -> holderPid(id) == pid);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("server " + pid + " did not take " + id + " over within " + within, e);
        }
    }

    /** Waits until the viewer saw at least {@code n} events; returns how many it saw. */
    private static int awaitSomeFrames(SseClient viewer, int n) {
        try {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(20)).until(() -> viewer.events().size() >= n);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the viewer saw " + viewer.events().size() + " events, not " + n, e);
        }
        return viewer.events().size();
    }
}
