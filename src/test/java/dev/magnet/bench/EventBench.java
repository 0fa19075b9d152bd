package dev.magnet.bench;

import static dev.magnet.bench.Figures.intArg;
import static dev.magnet.bench.Figures.stringArg;

import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./magnet bench events}: the event path alone, on H2 and on PostgreSQL. The agent is a stand-in for the
 * Claude Code CLI (a small script bound into the real bubblewrap sandbox in its place) that prints stream-json text
 * deltas, each carrying the wall-clock time it was written to stdout, as fast as it can or at a steady rate. The real
 * server maps, redacts, persists and fans them out; real SSE viewers read them over HTTP. So the figures measure
 * Magnet's path from an agent's stdout line to a viewer, not the CLI's or the model's speed.
 *
 * <ul>
 *   <li>ingest: deltas written as fast as the agent can, with {@code --viewers} (default 100) viewers: events per
 *       second from the first line written to the last viewer holding the last event, and persisted (from the log's
 *       own times);</li>
 *   <li>latency: deltas at a steady {@code --rate} (default 1,000/s) with the same viewers: stdout line → viewer,
 *       p50 / p99 / max over every viewer and event.</li>
 * </ul>
 * Options: {@code --viewers N}, {@code --deltas N} (ingest burst, default 20,000), {@code --rate N},
 * {@code --store h2|postgres|both} (default both).
 */
public final class EventBench {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    public static void main(String[] args) throws Exception {
        int viewers = intArg(args, "--viewers", 100);
        int deltas = intArg(args, "--deltas", 20_000);
        int rate = intArg(args, "--rate", 1_000);
        String store = stringArg(args, "--store", "both");
        Path dir = Files.createTempDirectory("magnet-event-bench");
        Path agent = writeAgent(Files.createTempDirectory("magnet-bench-agent")); // why: apart from the data dirs
        System.out.println("Magnet event path benchmark: " + viewers + " SSE viewers, " + deltas + " deltas as fast as the"
                + " agent writes them, then " + rate + "/s; " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                + Runtime.version());
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.empty().withFallback(Turn.reply().text("unused")));
            if (!store.equals("postgres")) {
                run("H2", dir.resolve("h2"), model, agent, Map.of(), viewers, deltas, rate);
            }
            if (!store.equals("h2")) {
                try (PostgresSchema schema = PostgresSchema.create()) {
                    run("PostgreSQL", dir.resolve("pg"), model, agent, Map.of("MAGNET_DATABASE_URL", schema.jdbcUrl()),
                            viewers, deltas, rate);
                }
            }
        }
    }

    private static void run(String storeName, Path dataDir, FakeAnthropic model, Path agent, Map<String, String> store,
                            int viewers, int deltas, int rate) throws Exception {
        Map<String, String> env = new HashMap<>(store);
        env.put("MAGNET_CLAUDE_BIN", agent.toString());
        try (TestServer server = TestServer.start(dataDir, model, env)) {
            // why: warms the JIT, the pools and the sandbox path with the measured shape (a server that has run for a while
            // is warm; otherwise whichever store runs first pays for compiling the stream and HTTP paths)
            session(server, Math.max(2_000, deltas / 4), 0, viewers);
            Result burst = session(server, deltas, 0, viewers);
            Result steady = session(server, Math.max(1_000, rate * 10), rate, viewers);
            System.out.printf("%s ingest: %,d deltas, %d viewers: %,.0f events/s persisted (log times), %,.0f events/s "
                            + "from first stdout line to every viewer holding the last; latency under the burst p50 %.1f ms, "
                            + "p99 %.1f ms; every viewer got every event once, in order: %s%n",
                    storeName, deltas, viewers, burst.persistedPerSecond, burst.deliveredPerSecond, burst.p(50), burst.p(99),
                    burst.complete);
            System.out.printf("%s latency at %,d deltas/s, %d viewers: stdout line -> viewer p50 %.1f ms, p99 %.1f ms, "
                            + "max %.1f ms (%,d samples); complete: %s%n",
                    storeName, rate, viewers, steady.p(50), steady.p(99), steady.p(100), steady.latencies.length,
                    steady.complete);
        }
    }

    private record Result(double persistedPerSecond, double deliveredPerSecond, long[] latencies, boolean complete) {
        double p(int percentile) {
            if (latencies.length == 0) {
                return Double.NaN;
            }
            return Figures.pct(latencies, percentile) / 1_000_000.0;
        }
    }

    /** One session whose agent writes {@code deltas} text deltas ({@code rate} per second, 0 = at once). */
    private static Result session(TestServer server, int deltas, int rate, int viewerCount) throws Exception {
        String prompt = "deltas=" + deltas + " rate=" + rate + " wait=1500";
        String id = server.createSession(Map.of("prompt", prompt)).path("id").asText();
        List<Viewer> viewers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(viewerCount);
        for (int i = 0; i < viewerCount; i++) {
            Viewer v = new Viewer(server.baseUrl(), id, deltas, done);
            viewers.add(v);
            // why: viewers are other processes in life (browsers); on virtual threads they would share the server's
            // carriers and be measured as part of it
            Thread.ofPlatform().daemon().start(v);
        }
        if (!done.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            throw new IllegalStateException("viewers did not see the session end within " + TIMEOUT);
        }
        server.awaitEnd(id);
        long firstWritten = Long.MAX_VALUE;
        long lastHeld = 0;
        int total = 0;
        boolean complete = true;
        for (Viewer v : viewers) {
            if (v.failure != null) {
                throw new IllegalStateException("a viewer failed", v.failure);
            }
            firstWritten = Math.min(firstWritten, v.firstStamp);
            lastHeld = Math.max(lastHeld, v.lastReceived);
            total += v.count;
            complete &= v.inOrder && v.count == deltas;
        }
        long[] all = new long[total];
        int at = 0;
        for (Viewer v : viewers) {
            System.arraycopy(v.latencies, 0, all, at, v.count);
            at += v.count;
        }
        Arrays.sort(all);
        double persisted = persistedPerSecond(server, id);
        double delivered = deltas / Math.max(1e-9, (lastHeld - firstWritten) / 1e9);
        return new Result(persisted, delivered, all, complete);
    }

    /** Text deltas per second between the first and the last delta's time in the log. */
    private static double persistedPerSecond(TestServer server, String id) {
        Instant first = null;
        Instant last = null;
        long count = 0;
        long after = 0;
        while (true) {
            var page = server.get("/api/sessions/" + id + "/events?limit=1000&after=" + after).json();
            for (var e : page.path("events")) {
                if (e.path("type").asText().equals("delta")) {
                    Instant t = Instant.parse(e.path("at").asText());
                    first = first == null ? t : first;
                    last = t;
                    count++;
                }
            }
            after = page.path("nextAfter").asLong();
            if (!page.path("hasMore").asBoolean()) {
                break;
            }
        }
        return first == null ? 0 : count / Math.max(1e-6, Duration.between(first, last).toNanos() / 1e9);
    }

    /**
     * An SSE viewer that reads frames as text and keeps, for every text delta, the time from the agent writing it to
     * this viewer reading it. It does not parse JSON (the 2 cores are shared with the server).
     */
    static final class Viewer implements Runnable {
        private final String url;
        private final CountDownLatch done;
        private final long[] latencies;
        private int count;
        private long firstStamp = Long.MAX_VALUE;
        private long lastReceived;
        private long lastId;
        private boolean inOrder = true;
        private volatile Exception failure;

        Viewer(String baseUrl, String sessionId, int expected, CountDownLatch done) {
            this.url = baseUrl + "/api/sessions/" + sessionId + "/events";
            this.done = done;
            this.latencies = new long[expected];
        }

        /** From the agent writing each delta to this viewer reading it, in nanoseconds, in the order read. */
        long[] latencies() {
            return latencies;
        }

        int count() {
            return count;
        }

        /** True when the viewer read every one of {@code deltas} deltas, once and in order, and did not fail. */
        boolean complete(int deltas) {
            return failure == null && inOrder && count == deltas;
        }

        @Override
        public void run() {
            try {
                // why: a blocking connection per viewer (on its virtual thread) costs the shared 2 cores less per frame than
                // one HttpClient whose single selector thread decodes every viewer's chunks; the server is what is measured
                HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
                connection.setConnectTimeout(5_000);
                connection.setRequestProperty("Accept", "text/event-stream");
                connection.setRequestProperty("x-api-key", TestServer.API_KEY);
                if (connection.getResponseCode() != 200) {
                    throw new IllegalStateException("the stream answered " + connection.getResponseCode());
                }
                try (BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8),
                        64 * 1024)) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (line.startsWith("id: ")) {
                            long id = Long.parseLong(line.substring(4));
                            inOrder &= id == lastId + 1;
                            lastId = id;
                        } else if (line.startsWith("event: end")) {
                            return;
                        } else if (line.startsWith("data: ")) {
                            int mark = line.indexOf("\"text\":\"t");
                            if (mark >= 0 && line.contains("\"type\":\"delta\"")) {
                                long now = nowNanos();
                                int from = mark + 9;
                                long stamp = Long.parseLong(line, from, line.indexOf(';', from), 10);
                                firstStamp = Math.min(firstStamp, stamp);
                                lastReceived = now;
                                if (count < latencies.length) {
                                    latencies[count] = now - stamp;
                                }
                                count++;
                            }
                        }
                    }
                }
            } catch (Exception e) {
                failure = e;
            } finally {
                done.countDown();
            }
        }
    }

    private static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The stand-in agent: speaks enough of the CLI's stream-json for one turn of text deltas per message. */
    static Path writeAgent(Path dir) throws Exception {
        Path agent = dir.resolve("bench-agent.py");
        Files.writeString(agent, """
                #!/usr/bin/python3
                import json, sys, time, uuid
                if '--version' in sys.argv:
                    print('2.1.328 (Claude Code)')
                    sys.exit(0)
                def arg(name):
                    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None
                sid = arg('--session-id') or arg('--resume') or str(uuid.uuid4())
                out = sys.stdout
                def emit(o):
                    out.write(json.dumps(o, separators=(',', ':')) + '\\n')
                    out.flush()
                def stream(event):
                    emit({'type': 'stream_event', 'event': event, 'session_id': sid, 'parent_tool_use_id': None,
                          'uuid': str(uuid.uuid4())})
                emit({'type': 'system', 'subtype': 'init', 'cwd': '/workspace', 'session_id': sid, 'tools': [],
                      'mcp_servers': [], 'model': 'bench', 'permissionMode': 'bypassPermissions', 'uuid': str(uuid.uuid4())})
                for line in sys.stdin:
                    message = json.loads(line)
                    if message.get('type') != 'user':
                        continue
                    mid = message.get('uuid')
                    content = message['message']['content']
                    text = content if isinstance(content, str) else ' '.join(c.get('text', '') for c in content)
                    params = dict(p.split('=', 1) for p in text.split() if '=' in p)
                    deltas, rate = int(params.get('deltas', '100')), float(params.get('rate', '0'))
                    time.sleep(int(params.get('wait', '0')) / 1000)
                    emit({'type': 'command_lifecycle', 'command_uuid': mid, 'state': 'started', 'uuid': str(uuid.uuid4()),
                          'session_id': sid})
                    msg_id = 'msg_' + uuid.uuid4().hex[:20]
                    stream({'type': 'message_start', 'message': {'id': msg_id, 'type': 'message', 'role': 'assistant',
                            'model': 'bench', 'content': [], 'stop_reason': None, 'stop_sequence': None,
                            'usage': {'input_tokens': 1, 'output_tokens': 1}}})
                    stream({'type': 'content_block_start', 'index': 0, 'content_block': {'type': 'text', 'text': ''}})
                    start = time.time()
                    for i in range(deltas):
                        if rate > 0:
                            pause = start + i / rate - time.time()
                            if pause > 0:
                                time.sleep(pause)
                        stream({'type': 'content_block_delta', 'index': 0,
                                'delta': {'type': 'text_delta', 'text': 't%d;' % time.time_ns()}})
                    emit({'type': 'assistant', 'message': {'id': msg_id, 'type': 'message', 'role': 'assistant',
                          'model': 'bench', 'content': [{'type': 'text', 'text': 'streamed %d deltas' % deltas}],
                          'stop_reason': None, 'usage': {'input_tokens': 1, 'output_tokens': 1}},
                          'parent_tool_use_id': None, 'session_id': sid, 'uuid': str(uuid.uuid4())})
                    stream({'type': 'content_block_stop', 'index': 0})
                    stream({'type': 'message_delta', 'delta': {'stop_reason': 'end_turn', 'stop_sequence': None},
                            'usage': {'output_tokens': deltas}})
                    stream({'type': 'message_stop'})
                    emit({'type': 'result', 'subtype': 'success', 'is_error': False, 'result': 'streamed %d deltas' % deltas,
                          'session_id': sid, 'total_cost_usd': 0, 'num_turns': 1, 'duration_ms': 1, 'stop_reason': 'end_turn',
                          'terminal_reason': 'completed', 'usage': {'input_tokens': 1, 'output_tokens': deltas},
                          'user_message_uuid': mid, 'user_message_uuids': [mid], 'uuid': str(uuid.uuid4())})
                    emit({'type': 'command_lifecycle', 'command_uuid': mid, 'state': 'completed', 'uuid': str(uuid.uuid4()),
                          'session_id': sid})
                """);
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwxr-xr-x"));
        return agent;
    }
}
