package dev.magnet.runner;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code runners} table: every server process registers its runner, heartbeats, and marks itself stopped
 * on a clean shutdown. A runner whose heartbeat is older than the lease, or whose process is gone from this
 * same host (same hostname and pid namespace, so the pid means the same thing), is dead: its sessions'
 * leases are expired at once so that a live runner resumes them. What a dead runner of this host left running in
 * its sessions' sandboxes is killed then too.
 */
final class Runners {
    private static final Logger log = LoggerFactory.getLogger(Runners.class);

    private final Jdbi jdbi;
    private final String runnerId;
    private final String host;
    private final Duration lease;

    /** A runner found dead, whether it ran on this host, and how many active sessions it held. */
    record Dead(String runnerId, String why, boolean onThisHost, int sessions) {
    }

    Runners(Jdbi jdbi, String runnerId, Duration lease) {
        this.jdbi = jdbi;
        this.runnerId = runnerId;
        this.host = hostKey();
        this.lease = lease;
    }

    void register(Instant now) {
        jdbi.useHandle(h -> h.createUpdate("insert into runners (id, host, pid, started_at, heartbeat_at) "
                        + "values (:id, :host, :pid, :now, :now)")
                .bind("id", runnerId).bind("host", host).bind("pid", ProcessHandle.current().pid()).bind("now", now).execute());
    }

    void heartbeat(Instant now) {
        jdbi.useHandle(h -> h.createUpdate("update runners set heartbeat_at = :now where id = :id")
                .bind("id", runnerId).bind("now", now).execute());
    }

    void stopped(Instant now) {
        jdbi.useHandle(h -> h.createUpdate("update runners set stopped_at = :now where id = :id")
                .bind("id", runnerId).bind("now", now).execute());
    }

    /**
     * Finds runners that died without stopping, marks them stopped and frees their sessions for takeover. For a runner
     * of this host, {@code leftoversOf} first gets each active session it held, while that session is still locked to
     * it: the processes its sandbox left are to be killed now, not only when a runner takes the session up again
     * (a sandbox that was starting when its server was killed can outlive the server; bubblewrap binds its
     * sandbox's first process to it only once that process runs).
     */
    List<Dead> takeOverDead(Instant now, Consumer<String> leftoversOf) {
        Instant stale = now.minus(lease);
        return jdbi.inTransaction(h -> h.createQuery("select id, host, pid, heartbeat_at from runners "
                        + "where stopped_at is null and id <> :me")
                .bind("me", runnerId)
                .map((rs, c) -> {
                    String id = rs.getString("id");
                    Instant beat = rs.getTimestamp("heartbeat_at").toInstant();
                    boolean here = host.equals(rs.getString("host"));
                    boolean gone = here && ProcessHandle.of(rs.getLong("pid")).isEmpty();
                    return beat.isBefore(stale) ? new Dead(id, "no heartbeat since " + beat, here, 0)
                            : gone ? new Dead(id, "its process " + rs.getLong("pid") + " is gone", true, 0) : null;
                })
                .list().stream().filter(d -> d != null).map(d -> {
                    h.createUpdate("update runners set stopped_at = :now where id = :id").bind("id", d.runnerId())
                            .bind("now", now).execute();
                    if (d.onThisHost()) {
                        h.createQuery("select id from sessions where runner_id = :id and status = 'active' for update")
                                .bind("id", d.runnerId()).mapTo(String.class).list().forEach(leftoversOf);
                    }
                    int sessions = h.createUpdate("update sessions set lease_until = :expired where runner_id = :id "
                                    + "and status = 'active'")
                            .bind("id", d.runnerId()).bind("expired", now.minusMillis(1)).execute();
                    log.warn("runner {} is dead ({}); {} active session(s) it held will be resumed", d.runnerId(), d.why(), sessions);
                    return new Dead(d.runnerId(), d.why(), d.onThisHost(), sessions);
                }).toList());
    }

    private static String hostKey() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "unknown";
        }
        try {
            return name + "/" + Files.readSymbolicLink(Path.of("/proc/self/ns/pid"));
        } catch (IOException | UnsupportedOperationException e) {
            return name;
        }
    }
}
