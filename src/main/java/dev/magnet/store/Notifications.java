package dev.magnet.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wake-ups between the servers that share one PostgreSQL database, with {@code LISTEN/NOTIFY}. A notification only
 * wakes: what it is about is read from the tables, so a lost one costs a delay, never data. Each server holds one
 * connection of its own that listens (outside the pool); when it breaks (the database restarted), it connects again
 * and then tells every subscriber, as if everything had changed, since notifications sent meanwhile are lost.
 *
 * <p>What happens often (events committed) is gathered ({@link #soon}) and sent by one flusher every
 * {@value #GATHER_MILLIS} ms, several keys to a notification: PostgreSQL serializes the commits of transactions that
 * notify, so the event transactions themselves never do, and the notifying commits of a server are at most
 * 1000 / {@value #GATHER_MILLIS} a second however many sessions it runs.
 *
 * <p>With H2 (one server) there is nobody else to wake: {@link #none()} sends and hears nothing.
 */
public final class Notifications implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifications.class);
    /** How long one wait for notifications lasts; also how soon a closed listener notices. */
    private static final int POLL_MILLIS = 500;
    /** How many waits pass between two checks that the listening connection still answers (a dead peer is silent). */
    private static final int CHECK_EVERY_POLLS = 20;
    /** How long what is sent {@link #soon} is gathered before one flush sends it. */
    static final int GATHER_MILLIS = 20;
    /** PostgreSQL takes payloads shorter than 8,000 bytes; keys are joined with {@code ,} up to this many characters. */
    private static final int MAX_PAYLOAD = 7_000;

    /** What a subscriber of a channel is told: a payload, or (after a reconnect) that it may have missed some. */
    public interface Listener {
        void heard(String payload);

        /** The listening connection was lost and is back: notifications of the meantime are lost. */
        void missedSome();
    }

    private final String jdbcUrl;
    private final Jdbi jdbi;
    private final Map<String, List<Listener>> listeners = new ConcurrentHashMap<>();
    /** By channel, the keys to send soon with the highest value of each. */
    private final Map<String, Map<String, Long>> gathered = new ConcurrentHashMap<>();
    private volatile boolean running;
    private volatile boolean listening;
    private volatile Connection connection;
    private Thread thread;
    private Thread flusher;

    private Notifications(String jdbcUrl, Jdbi jdbi) {
        this.jdbcUrl = jdbcUrl;
        this.jdbi = jdbi;
    }

    /** Nothing to wake: one server (H2). */
    public static Notifications none() {
        return new Notifications(null, null);
    }

    /** Notifications through the PostgreSQL database at {@code jdbcUrl}; none for any other database. */
    public static Notifications of(Database database, String jdbcUrl) {
        return database.isPostgres() ? new Notifications(jdbcUrl, database.jdbi()) : none();
    }

    /** True when notifications travel between servers (PostgreSQL). */
    public boolean isShared() {
        return jdbcUrl != null;
    }

    /** True while the listening connection is up (for tests and readiness). */
    public boolean isListening() {
        return listening;
    }

    /** Subscribes to {@code channel} (a plain SQL name); call before {@link #start()}. */
    public void subscribe(String channel, Listener listener) {
        if (!channel.matches("[a-z_]+")) {
            throw new IllegalArgumentException("channel names are lower-case letters and underscores: " + channel);
        }
        listeners.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /** Subscribes to {@code channel}, with nothing to do after a reconnect. */
    public void subscribe(String channel, Consumer<String> heard) {
        subscribe(channel, new Listener() {
            @Override
            public void heard(String payload) {
                heard.accept(payload);
            }

            @Override
            public void missedSome() {
            }
        });
    }

    /** Starts the listening connection (nothing with H2); returns once it listens or its first attempt failed. */
    public void start() {
        if (!isShared()) {
            return;
        }
        running = true;
        try {
            connect();
        } catch (SQLException e) {
            log.warn("cannot listen for notifications yet ({}); trying again", e.getMessage());
        }
        thread = Thread.ofPlatform().daemon().name("db-notifications").start(this::listenLoop);
        flusher = Thread.ofPlatform().daemon().name("db-notifications-flush").start(this::flushLoop);
    }

    /**
     * Sends {@code key:value} on {@code channel} within {@value #GATHER_MILLIS} ms, after the caller's commit: gathered
     * with the other keys of that time (of a key sent several times, the highest value), several to a notification
     * ({@code key:value,key:value}). A server that dies before the flush never sends it: listeners must not need it.
     */
    public void soon(String channel, String key, long value) {
        if (isShared()) {
            gathered.computeIfAbsent(channel, c -> new ConcurrentHashMap<>()).merge(key, value, Math::max);
        }
    }

    /**
     * Reads a payload {@link #soon} sent ({@code key:value,key:value}) and calls {@code entry} with each key and value; an
     * entry that is not {@code key:number} is skipped.
     */
    public static void entries(String payload, java.util.function.ObjLongConsumer<String> entry) {
        for (String item : payload.split(",")) {
            int colon = item.lastIndexOf(':');
            if (colon > 0) {
                try {
                    entry.accept(item.substring(0, colon), Long.parseLong(item.substring(colon + 1)));
                } catch (NumberFormatException e) {
                    // not one of ours: skipped
                }
            }
        }
    }

    private void flushLoop() {
        while (running) {
            try {
                Thread.sleep(GATHER_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            flush();
        }
        flush();
    }

    private void flush() {
        for (Map.Entry<String, Map<String, Long>> channel : gathered.entrySet()) {
            List<String> payloads = new ArrayList<>();
            StringBuilder payload = new StringBuilder();
            for (String key : List.copyOf(channel.getValue().keySet())) {
                Long value = channel.getValue().remove(key);
                if (value == null) {
                    continue;
                }
                String entry = key + ":" + value;
                if (!payload.isEmpty() && payload.length() + 1 + entry.length() > MAX_PAYLOAD) {
                    payloads.add(payload.toString());
                    payload.setLength(0);
                }
                payload.append(payload.isEmpty() ? "" : ",").append(entry);
            }
            if (!payload.isEmpty()) {
                payloads.add(payload.toString());
            }
            if (payloads.isEmpty()) {
                continue;
            }
            try {
                jdbi.useTransaction(h -> payloads.forEach(p -> send(h, channel.getKey(), p)));
            } catch (RuntimeException e) {
                // why: a lost wake-up costs the other servers' viewers a delay (they re-read the log at their next
                // heartbeat), never an event; after a database restart their listeners tell them anyway
                log.warn("could not notify the other servers on {}: {}", channel.getKey(), e.getMessage());
            }
        }
    }

    /**
     * Sends {@code payload} on {@code channel} inside the caller's transaction: PostgreSQL delivers it when the
     * transaction commits (and not at all when it rolls back), so a listener that wakes reads what was committed.
     */
    public void send(Handle h, String channel, String payload) {
        if (isShared()) {
            h.createQuery("select pg_notify(:channel, :payload)").bind("channel", channel).bind("payload", payload)
                    .mapTo(String.class).findOne();
        }
    }

    /** Sends {@code payload} on {@code channel} at once (in a transaction of its own). */
    public void send(Jdbi jdbi, String channel, String payload) {
        if (isShared()) {
            jdbi.useHandle(h -> send(h, channel, payload));
        }
    }

    private void connect() throws SQLException {
        Connection c = DriverManager.getConnection(jdbcUrl);
        try (Statement st = c.createStatement()) {
            for (String channel : listeners.keySet()) {
                st.execute("listen " + channel);
            }
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        connection = c;
        listening = true;
    }

    private void listenLoop() {
        int failures = 0;
        int polls = 0;
        while (running) {
            try {
                if (connection == null) {
                    connect();
                    log.info("listening for notifications again");
                    listeners.values().forEach(ls -> ls.forEach(Listener::missedSome));
                }
                failures = 0;
                if (++polls % CHECK_EVERY_POLLS == 0) {
                    try (Statement st = connection.createStatement()) {
                        st.execute("select 1");
                    }
                }
                PGNotification[] heard = connection.unwrap(PGConnection.class).getNotifications(POLL_MILLIS);
                if (heard != null) {
                    for (PGNotification n : heard) {
                        deliver(n.getName(), n.getParameter());
                    }
                }
            } catch (SQLException e) {
                if (!running) {
                    return;
                }
                listening = false;
                closeQuietly();
                Duration wait = Reconnecting.WAITS.get(Math.min(failures++, Reconnecting.WAITS.size() - 1));
                log.warn("lost the connection that listens for notifications ({}); connecting again in {} ms",
                        e.getMessage(), wait.toMillis());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void deliver(String channel, String payload) {
        for (Listener l : listeners.getOrDefault(channel, List.of())) {
            try {
                l.heard(payload);
            } catch (RuntimeException e) {
                log.warn("a listener of {} failed on {}: {}", channel, payload, e.toString());
            }
        }
    }

    private void closeQuietly() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // it is broken anyway
            }
        }
    }

    @Override
    public void close() {
        running = false;
        listening = false;
        if (flusher != null) {
            try {
                flusher.join(Duration.ofMillis(POLL_MILLIS * 3L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofMillis(POLL_MILLIS * 3L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly();
    }
}
