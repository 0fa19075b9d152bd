package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.EventChecks;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.PrivatePostgres;
import dev.magnet.testing.Script;
import dev.magnet.testing.SseClient;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PostgreSQL restarted under a running session. The server (its own JVM, on a PostgreSQL instance of the test's own:
 * the machine's shared one is never restarted) holds a session whose agent is writing output; the test holds that
 * write on the session's row lock, so it is in flight inside a transaction when the database stops, then starts the
 * database again. The session must carry on to {@code completed} with every event stored once and {@code seq}
 * unbroken, a viewer must see every event once, and the server must keep answering and run the next session.
 */
class DatabaseRestartIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static FakeAnthropic model;
    private static PrivatePostgres postgres;

    @TempDir
    Path dir;

    private final List<Gate> gates = new ArrayList<>();

    @BeforeAll
    static void start() {
        model = FakeAnthropic.start();
        postgres = PrivatePostgres.start();
    }

    @AfterAll
    static void stop() {
        model.close();
        postgres.close();
    }

    @AfterEach
    void openGates() {
        gates.forEach(Gate::open);
    }

    @ParameterizedTest(name = "pg_ctl stop -m {0}")
    @ValueSource(strings = {"fast", "immediate"})
    void a_session_whose_event_write_is_cut_off_by_a_postgresql_restart_carries_on_without_losing_or_repeating_events(
            String mode) throws Exception {
        model.reset();
        String url = postgres.createDatabase("magnet_" + mode);
        Path origin = GitFixtures.bareOrigin(dir, 2);
        Map<String, String> settings = Map.of("MAGNET_DATABASE_URL", url, "MAGNET_LEASE_SECONDS", "10");
        Gate answer = gate();
        model.script(Script.of(
                Turn.reply().text("Writing restart.txt now.").toolUse("Bash", Map.of("description", "commit restart.txt",
                        "command", "echo survived > restart.txt && git add restart.txt && git commit -qm 'Add restart.txt'"))
                        .heldBy(answer),
                Turn.reply().text("Wrote restart.txt.")));

        try (ChildServer server = ChildServer.start(dir.resolve("data"), model, dir.resolve("server.log"), settings)) {
            String id = server.createSession(Map.of("prompt", "Add restart.txt", "repo", origin.toString()))
                    .path("id").asText();
            SseClient viewer = SseClient.open(server.baseUrl(), id, TestServer.API_KEY, null);
            answer.awaitReached(TIMEOUT);
            List<JsonNode> before = server.events(id);

            try (Connection lock = DriverManager.getConnection(url)) {
                lock.setAutoCommit(false);
                try (PreparedStatement st = lock.prepareStatement("select id from sessions where id = ? for update")) {
                    st.setString(1, id);
                    st.executeQuery().close();
                }
                answer.open();
                awaitEventWriteWaitingOnTheRowLock(url);
                postgres.stop(mode);
            } catch (SQLException e) {
                // why: stopping the database ends the lock's connection too; closing it then fails
            }
            postgres.startServer();

            JsonNode done = server.awaitEnd(id, TIMEOUT);
            assertThat(done.path("status").asText()).as("%s ended %s", id, done).isEqualTo("completed");
            List<JsonNode> events = server.events(id);
            assertThat(events.subList(0, before.size())).as("what was stored before the restart is kept").isEqualTo(before);
            EventChecks.assertWhole(id, events);
            assertThat(EventChecks.count(events, "tool_use")).as("the agent's tool call").isEqualTo(1);
            assertThat(EventChecks.count(events, "tool_result")).as("its result").isEqualTo(1);
            assertThat(EventChecks.values(events, "text", "text")).as("what the agent said")
                    .containsExactly("Writing restart.txt now.", "Wrote restart.txt.");
            assertThat(EventChecks.count(events, "turn_result")).as("turns").isEqualTo(1);
            assertThat(GitFixtures.git(origin, "show", done.path("branch").asText() + ":restart.txt")).isEqualTo("survived\n");

            viewer.awaitEnd(TIMEOUT);
            assertThat(viewer.events().stream().map(f -> Long.parseLong(f.id())).toList()).as("ids the viewer saw")
                    .isEqualTo(LongStream.rangeClosed(1, events.size()).boxed().toList());

            assertThat(server.get("/api/sessions").path("sessions").findValuesAsText("id")).contains(id);
            model.script(Script.of(Turn.reply().text("Nothing to change.")));
            String next = server.createSession(Map.of("prompt", "Look around after the restart")).path("id").asText();
            assertThat(server.awaitEnd(next, TIMEOUT).path("status").asText()).as("the next session").isEqualTo("completed");
            long retries = Files.readAllLines(dir.resolve("server.log")).stream()
                    .filter(l -> l.contains("lost the connection to the database")).count();
            System.out.printf("PostgreSQL restarted (%s) under a session: completed, %d events, %d database call(s) "
                    + "run again%n", mode, events.size(), retries);
        }
    }

    /** Waits until a backend of the server waits for the session's row lock in a {@code select ... for update}. */
    private static void awaitEventWriteWaitingOnTheRowLock(String url) {
        String waiting = "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query ilike 'select%for update%'";
        try {
            Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
                try (Connection c = DriverManager.getConnection(url);
                     Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery(waiting)) {
                    return rs.next() && rs.getInt(1) > 0;
                }
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no write of the session's waited for its row lock", e);
        }
    }

    private Gate gate() {
        Gate g = Gate.closed();
        gates.add(g);
        return g;
    }
}
