package dev.magnet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReconnectingTest {
    private static final List<Duration> WAITS = List.of(Duration.ofMillis(1), Duration.ofMillis(2));

    private final List<Long> slept = new ArrayList<>();
    /** How many of the next commits fail as a connection lost during the commit would. */
    private final AtomicInteger commitsToBreak = new AtomicInteger();
    private Jdbi jdbi;
    private Reconnecting db;

    @BeforeEach
    void database() {
        String url = "jdbc:h2:mem:reconnecting-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        jdbi = Jdbi.create(() -> breakableCommits(DriverManager.getConnection(url)));
        jdbi.useHandle(h -> h.execute("create table notes (id int primary key)"));
        db = new Reconnecting(jdbi, WAITS, slept::add);
    }

    @Test
    void a_transaction_whose_connection_was_lost_before_its_commit_runs_again_and_commits_once() {
        AtomicInteger attempts = new AtomicInteger();

        int written = db.inTransaction(h -> {
            h.execute("insert into notes (id) values (1)");
            if (attempts.incrementAndGet() == 1) {
                throw terminated();
            }
            return h.createQuery("select count(*) from notes").mapTo(Integer.class).one();
        });

        assertThat(attempts).hasValue(2);
        assertThat(written).isEqualTo(1);
        assertThat(notes()).isEqualTo(1);
        assertThat(slept).containsExactly(1L);
    }

    @Test
    void work_whose_commit_was_under_way_when_the_connection_went_is_not_run_again() {
        AtomicInteger attempts = new AtomicInteger();
        commitsToBreak.set(1);

        assertThatThrownBy(() -> db.inTransaction(h -> {
            attempts.incrementAndGet();
            return h.execute("insert into notes (id) values (1)");
        })).satisfies(e -> assertThat(Reconnecting.lostConnection(e)).isTrue());

        assertThat(attempts).as("it may have been committed").hasValue(1);
        assertThat(slept).isEmpty();
    }

    @Test
    void a_failure_other_than_a_lost_connection_is_thrown_at_once() {
        AtomicInteger attempts = new AtomicInteger();
        jdbi.useHandle(h -> h.execute("insert into notes (id) values (1)"));

        assertThatThrownBy(() -> db.inTransaction(h -> {
            attempts.incrementAndGet();
            return h.execute("insert into notes (id) values (1)");
        })).isInstanceOf(UnableToExecuteStatementException.class);

        assertThat(attempts).hasValue(1);
        assertThat(slept).isEmpty();
    }

    @Test
    void a_connection_still_lost_after_the_last_wait_is_thrown() {
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> db.withHandle(h -> {
            attempts.incrementAndGet();
            throw new ConnectionException(new SQLException("Connection refused", "08001"));
        })).isInstanceOf(ConnectionException.class);

        assertThat(attempts).hasValue(3);
        assertThat(slept).containsExactly(1L, 2L);
    }

    @Test
    void a_lost_connection_is_told_by_its_sqlstate_anywhere_in_the_causes() {
        assertThat(Reconnecting.lostConnection(terminated())).isTrue();
        assertThat(Reconnecting.lostConnection(new IllegalStateException(new SQLException("I/O error", "08006")))).isTrue();
        assertThat(Reconnecting.lostConnection(new SQLException("the database system is starting up", "57P03"))).isTrue();
        assertThat(Reconnecting.lostConnection(new ConnectionException(new SQLException("timed out")))).isTrue();
        assertThat(Reconnecting.lostConnection(new SQLException("duplicate key", "23505"))).isFalse();
        assertThat(Reconnecting.lostConnection(new SQLException("The database has been closed", "90098")))
                .as("an H2 database closed after a failed write opens again").isTrue();
        assertThat(Reconnecting.lostConnection(new SQLException("Value too long for column", "22001"))).isFalse();
        assertThat(Reconnecting.lostConnection(new IllegalStateException("no cause"))).isFalse();
    }

    private static UnableToExecuteStatementException terminated() {
        return new UnableToExecuteStatementException(
                new SQLException("FATAL: terminating connection due to administrator command", "57P01"), null);
    }

    private int notes() {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from notes").mapTo(Integer.class).one());
    }

    private Connection breakableCommits(Connection real) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("commit") && commitsToBreak.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        real.rollback();
                        throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
