package dev.magnet.store;

import java.sql.SQLException;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongConsumer;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs database work again when the connection to the database was lost before anything of it was committed. A
 * PostgreSQL restart or failover ends the connections in use (the server terminates them, or their sockets break); the
 * pool's next connection reaches the database once it is back (the pool waits up to its connection timeout for one).
 * Work whose commit was under way when the connection went is not run again, since it may have been committed: its
 * exception goes to the caller, as does any other failure and a connection still lost after the last wait.
 */
public final class Reconnecting {
    private static final Logger log = LoggerFactory.getLogger(Reconnecting.class);
    /** The waits before each new attempt: five more attempts in about 8 s, each waiting for a connection itself. */
    static final List<Duration> WAITS = List.of(Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(4));
    /**
     * SQLSTATEs of a lost connection: class 08 (connection exception) and PostgreSQL's operator intervention codes for
     * a server shutting down ({@code 57P01} admin shutdown, {@code 57P02} crash shutdown, {@code 57P03} cannot connect
     * now, e.g. while it starts up).
     */
    private static final Set<String> SHUTDOWN_STATES = Set.of("57P01", "57P02", "57P03");
    /**
     * H2's codes for a database that closed under its connections ({@code 90098}, after a write failed, e.g. on a
     * full disk; {@code 90121}, closed at shutdown): a new connection opens it again from its file.
     */
    private static final Set<String> H2_CLOSED_STATES = Set.of("90098", "90121");

    private final Jdbi jdbi;
    private final List<Duration> waits;
    private final LongConsumer sleep;

    public Reconnecting(Jdbi jdbi) {
        this(jdbi, WAITS, Reconnecting::sleep);
    }

    Reconnecting(Jdbi jdbi, List<Duration> waits, LongConsumer sleep) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.waits = List.copyOf(waits);
        this.sleep = sleep;
    }

    /** The Jdbi this runs on, for work that must not be run twice (an update whose effect cannot be told). */
    public Jdbi jdbi() {
        return jdbi;
    }

    /**
     * Runs {@code work} in a transaction; when the connection is lost before the commit began, runs it again from the
     * start, in a new transaction. {@code work} must therefore keep what it gathers inside the attempt.
     */
    public <T> T inTransaction(HandleCallback<T, RuntimeException> work) {
        for (int attempt = 0; ; attempt++) {
            boolean[] committing = {false};
            try {
                return jdbi.inTransaction(h -> {
                    T result = work.withHandle(h);
                    committing[0] = true;
                    return result;
                });
            } catch (RuntimeException e) {
                if (committing[0] || !lostConnection(e) || attempt >= waits.size()) {
                    throw e;
                }
                pause(attempt, e);
            }
        }
    }

    /** Runs a read (or a write that may be done twice to the same effect) on a handle; again when the connection is lost. */
    public <T> T withHandle(HandleCallback<T, RuntimeException> read) {
        for (int attempt = 0; ; attempt++) {
            try {
                return jdbi.withHandle(read);
            } catch (RuntimeException e) {
                if (!lostConnection(e) || attempt >= waits.size()) {
                    throw e;
                }
                pause(attempt, e);
            }
        }
    }

    /**
     * True when {@code e} (or what caused it) says the connection to the database was lost or could not be had: no
     * connection from the pool, a broken connection, a server that is shutting down or starting up, or an embedded H2
     * database that closed itself.
     */
    public static boolean lostConnection(Throwable e) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = e; t != null && seen.put(t, true) == null; t = t.getCause()) {
            if (t instanceof ConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || SHUTDOWN_STATES.contains(sql.getSQLState())
                    || isClosedH2Database(sql))) {
                return true;
            }
        }
        return false;
    }

    /** True when H2 says its database closed under the connection (a new connection opens it again). */
    public static boolean isClosedH2Database(SQLException e) {
        return e.getSQLState() != null && H2_CLOSED_STATES.contains(e.getSQLState());
    }

    private void pause(int attempt, RuntimeException e) {
        Duration wait = waits.get(attempt);
        log.warn("lost the connection to the database ({}); trying again in {} ms ({} of {})", firstLine(e),
                wait.toMillis(), attempt + 1, waits.size());
        sleep.accept(wait.toMillis());
        if (Thread.currentThread().isInterrupted()) {
            throw e;
        }
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
