package dev.magnet.bench;

import static dev.magnet.bench.Figures.intArg;

import dev.magnet.config.Quotas;
import dev.magnet.events.EventHub;
import dev.magnet.events.EventLog;
import dev.magnet.events.Redactor;
import dev.magnet.session.SessionStore;
import dev.magnet.store.Database;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.Script;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * {@code ./magnet bench servers}: several Magnet servers on one PostgreSQL database (a fresh schema on the local one).
 * <ul>
 *   <li>claims: {@code --sessions} queued sessions (rows written directly), taken by one, then two servers' claim
 *       path as the runner runs it (each with a pool of its own, as a server: the fair order of the run queue, then a
 *       claim of each candidate that skips rows another server has locked), as fast as it goes: claims per second,
 *       lost races, and that every session was taken exactly once;</li>
 *   <li>cross-server events: two real servers (child JVMs on one data dir), a session on server A whose stand-in agent
 *       (the one of {@code bench events}) writes {@code --deltas} text deltas at {@code --rate} per second, and
 *       {@code --viewers} SSE viewers on each server: agent stdout line → viewer, p50 / p99 / max, on A (fan-out in
 *       memory) and on B (woken by {@code NOTIFY}, read from the log);</li>
 *   <li>what a notification adds to a commit: one-row commits per second from 16 connections, with and without the
 *       {@code pg_notify} each event burst sends (PostgreSQL serializes the commits of notifying transactions).</li>
 * </ul>
 * Options: {@code --sessions N} (claims, default 2,000), {@code --viewers N} (per server, default 20), {@code --rate N}
 * (deltas per second, default 100), {@code --deltas N} (default 3,000).
 */
public final class ServersBench {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        int sessions = intArg(args, "--sessions", 2_000);
        int viewers = intArg(args, "--viewers", 20);
        int rate = intArg(args, "--rate", 100);
        int deltas = intArg(args, "--deltas", 3_000);
        System.out.println("Magnet servers benchmark: PostgreSQL, " + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + Runtime.version());
        for (int servers = 1; servers <= 2; servers++) {
            try (PostgresSchema schema = PostgresSchema.create()) {
                claims(schema, sessions, servers);
            }
        }
        for (boolean notify : new boolean[] {false, true}) {
            try (PostgresSchema schema = PostgresSchema.create()) {
                notifyingCommits(schema, notify);
            }
        }
        try (PostgresSchema schema = PostgresSchema.create(); FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.empty().withFallback(Turn.reply().text("unused")));
            crossServerEvents(schema, model, viewers, rate, deltas);
        }
    }

    // ---- claims

    private static void claims(PostgresSchema schema, int sessions, int servers) throws Exception {
        List<Database> pools = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            pools.add(Database.open(schema.jdbcUrl()));
        }
        try {
            queue(pools.getFirst(), sessions);
            AtomicInteger taken = new AtomicInteger();
            AtomicInteger lost = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(servers);
            long start = System.nanoTime();
            for (int i = 0; i < servers; i++) {
                Database db = pools.get(i);
                String runner = "bench-runner-" + i;
                Thread.ofPlatform().start(() -> {
                    try {
                        claimAll(db, runner, taken, lost);
                    } finally {
                        done.countDown();
                    }
                });
            }
            if (!done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the servers did not claim every session within " + TIMEOUT);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<String> held = schema.column("select runner_id from sessions where runner_id is not null");
            System.out.printf("claims, %d server(s): %,d sessions in %.2f s: %,.0f claims/s; %,d claims lost to the other "
                            + "server; taken exactly once: %s (%s)%n", servers, sessions, seconds, sessions / seconds,
                    lost.get(), held.size() == sessions && taken.get() == sessions,
                    held.stream().collect(Collectors.groupingBy(r -> r, TreeMap::new, Collectors.counting())));
        } finally {
            pools.forEach(Database::close);
        }
    }

    /** A server's dispatch path, without a run slot limit: the run queue's next sessions, each claimed, until none wait. */
    private static void claimAll(Database db, String runner, AtomicInteger taken, AtomicInteger lost) {
        Clock clock = Clock.systemUTC();
        SessionStore store = new SessionStore(db.jdbi(), new EventLog(db.jdbi(), new EventHub(), new Redactor(), clock), clock);
        while (true) {
            Instant now = clock.instant();
            List<String> next = store.nextToRun(now, 16, Quotas.none());
            if (next.isEmpty()) {
                return;
            }
            for (String id : next) {
                if (store.claim(id, runner, now, now.plus(Duration.ofMinutes(10)))) {
                    taken.incrementAndGet();
                } else {
                    lost.incrementAndGet();
                }
            }
        }
    }

    /** {@code n} queued sessions of 10 people in one workspace, written as rows. */
    private static void queue(Database db, int n) {
        Timestamp now = Timestamp.from(Instant.now());
        db.jdbi().useTransaction(h -> {
            h.execute("insert into workspaces (id, name, created_at) values ('bench-ws', 'bench', ?)", now);
            for (int u = 0; u < 10; u++) {
                h.execute("insert into users (id, name, created_at) values (?, ?, ?)", "bench-user-" + u, "user " + u, now);
            }
            var insert = h.prepareBatch("insert into sessions (id, workspace_id, author_id, title, prompt, branch, model, "
                    + "status, phase, agent_session_id, created_at, updated_at) values (:id, 'bench-ws', :author, 't', 'p', "
                    + "'b', 'm', 'active', 'queued', :id, :at, :at)");
            for (int i = 0; i < n; i++) {
                insert.bind("id", String.format("bench-%08d", i)).bind("author", "bench-user-" + i % 10).bind("at", now).add();
            }
            insert.execute();
        });
    }

    // ---- commits that notify

    /**
     * What an event burst costs the database without the events: 16 connections (16 sessions' writers) each commit, as
     * fast as they can for 5 s, the update of their own session's {@code last_seq}, with or without the
     * {@code pg_notify} an event burst sends; two other connections listen, as two servers do.
     */
    private static void notifyingCommits(PostgresSchema schema, boolean notify) throws Exception {
        int writers = 16;
        try (Database db = Database.open(schema.jdbcUrl())) {
            queue(db, writers);
            List<Connection> listeners = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Connection c = DriverManager.getConnection(schema.jdbcUrl());
                c.createStatement().execute("listen magnet_events");
                listeners.add(c);
            }
            AtomicInteger heard = new AtomicInteger();
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            List<Thread> threads = new ArrayList<>();
            for (Connection c : listeners) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        while (System.nanoTime() < end + 1_000_000_000L) {
                            var got = c.unwrap(PGConnection.class).getNotifications(100);
                            heard.addAndGet(got == null ? 0 : got.length);
                        }
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            AtomicInteger commits = new AtomicInteger();
            for (int i = 0; i < writers; i++) {
                String id = String.format("bench-%08d", i);
                threads.add(Thread.ofPlatform().start(() -> {
                    long seq = 0;
                    while (System.nanoTime() < end) {
                        long next = ++seq;
                        db.jdbi().useTransaction(h -> {
                            h.execute("update sessions set last_seq = ? where id = ?", next, id);
                            if (notify) {
                                h.createQuery("select pg_notify('magnet_events', :p)").bind("p", id + ":" + next)
                                        .mapTo(String.class).one();
                            }
                        });
                        commits.incrementAndGet();
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            for (Connection c : listeners) {
                c.close();
            }
            System.out.printf("one-row commits, %d writers, %s: %,.0f commits/s%s%n", writers,
                    notify ? "each with pg_notify" : "without notify", commits.get() / 5.0,
                    notify ? String.format(" (%,d notifications heard by 2 listeners)", heard.get()) : "");
        }
    }

    // ---- cross-server events

    private static void crossServerEvents(PostgresSchema schema, FakeAnthropic model, int viewers, int rate, int deltas)
            throws Exception {
        Path dir = Files.createTempDirectory("magnet-servers-bench");
        Path agent = EventBench.writeAgent(Files.createTempDirectory("magnet-bench-agent"));
        Map<String, String> env = Map.of("MAGNET_DATABASE_URL", schema.jdbcUrl(), "MAGNET_CLAUDE_BIN", agent.toString(),
                "MAGNET_API_KEY_RATE_LIMIT", "100000");
        Path data = dir.resolve("data");
        try (ChildServer a = ChildServer.start(data, model, dir.resolve("a.log"), env)) {
            // why: B starts once A runs its warm-up session, so that A, not B, claims the measured one
            String warm = a.createSession(Map.of("prompt", "deltas=200 rate=0 wait=3000")).path("id").asText();
            try (ChildServer b = ChildServer.start(data, model, dir.resolve("b.log"), env)) {
                a.awaitEnd(warm, TIMEOUT);
                String id = a.createSession(Map.of("prompt", "deltas=" + deltas + " rate=" + rate + " wait=3000"))
                        .path("id").asText();
                CountDownLatch done = new CountDownLatch(2 * viewers);
                List<EventBench.Viewer> onA = open(a, id, viewers, deltas, done);
                List<EventBench.Viewer> onB = open(b, id, viewers, deltas, done);
                long holder = holderPid(schema, id);
                if (!done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("viewers did not see the session end within " + TIMEOUT);
                }
                boolean onServerA = holder == a.pid();
                report("viewers on the server running the session (" + (onServerA ? "A" : "B") + ")", onServerA ? onA : onB,
                        deltas, rate);
                report("viewers on the other server (" + (onServerA ? "B" : "A") + ", woken by NOTIFY)", onServerA ? onB : onA,
                        deltas, rate);
            }
        }
    }

    /** The process id of the server that claimed the session (waits for the claim). */
    private static long holderPid(PostgresSchema schema, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> pid = schema.column("select r.pid from sessions s join runners r on r.id = s.runner_id where s.id = '"
                    + id + "'");
            if (!pid.isEmpty()) {
                return Long.parseLong(pid.getFirst());
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no server claimed " + id + " within " + TIMEOUT);
    }

    private static List<EventBench.Viewer> open(ChildServer server, String id, int n, int deltas, CountDownLatch done) {
        List<EventBench.Viewer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            EventBench.Viewer v = new EventBench.Viewer(server.baseUrl(), id, deltas, done);
            out.add(v);
            Thread.ofPlatform().daemon().start(v); // why: viewers are other processes in life, not the server's carriers
        }
        return out;
    }

    private static void report(String where, List<EventBench.Viewer> viewers, int deltas, int rate) {
        long[] all = viewers.stream().flatMapToLong(v -> Arrays.stream(v.latencies(), 0, Math.min(v.count(), deltas)))
                .sorted().toArray();
        boolean complete = viewers.stream().allMatch(v -> v.complete(deltas));
        System.out.printf("cross-server events, %,d deltas at %d/s, %s (%d): stdout line -> viewer p50 %.1f ms, p99 %.1f ms,"
                        + " max %.1f ms (%,d samples); every viewer got every event once, in order: %s%n", deltas, rate,
                where, viewers.size(), Figures.pct(all, 50) / 1e6, Figures.pct(all, 99) / 1e6, Figures.pct(all, 100) / 1e6,
                all.length, complete);
    }
}
