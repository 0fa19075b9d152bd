package dev.magnet.bench;

import static dev.magnet.bench.Figures.intArg;
import static dev.magnet.bench.Figures.stringArg;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ./magnet bench load}: many active sessions with the real CLI in the real sandbox, the scripted model answering
 * slowly with steady text deltas, and hundreds of SSE viewers, for a while. Prints errors, events lost or duplicated
 * per viewer, event stored → viewer latency (p50 / p99), the server's heap and RSS, the memory of each active session
 * (its agent and sandbox processes) and the server's CPU. Then, with {@code --ramp}, more sessions in steps until the
 * p99 doubles.
 *
 * <p>Options: {@code --sessions N} (40), {@code --viewers N} (500), {@code --minutes N} (10), {@code --ramp} (off),
 * {@code --step N} (20 more sessions per ramp step), {@code --step-minutes N} (1).
 */
public final class LoadBench {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** The model streams 20 characters every 100 ms: 10 deltas per second per session. */
    private static final int CHUNK = 20;
    private static final Duration CHUNK_EVERY = Duration.ofMillis(100);

    public static void main(String[] args) throws Exception {
        int sessions = intArg(args, "--sessions", 40);
        int viewers = intArg(args, "--viewers", 500);
        double minutes = Double.parseDouble(stringArg(args, "--minutes", "10"));
        boolean ramp = Arrays.asList(args).contains("--ramp");
        int step = intArg(args, "--step", 20);
        double stepMinutes = Double.parseDouble(stringArg(args, "--step-minutes", "1"));
        Path dir = Files.createTempDirectory("magnet-load-bench");
        System.out.printf("Magnet load benchmark: %d sessions, %d SSE viewers, %.1f min; %d cores, %d MB heap max, Java %s%n",
                sessions, viewers, minutes, Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, Runtime.version());
        try (FakeAnthropic model = FakeAnthropic.start()) {
            Map<String, String> env = new HashMap<>();
            env.put("MAGNET_MAX_SESSIONS", "1000");
            env.put("MAGNET_MAX_SESSIONS_PER_USER", "1000");
            env.put("MAGNET_MAX_SESSIONS_PER_WORKSPACE", "1000");
            env.put("MAGNET_TURN_TIMEOUT_SECONDS", "86400");
            env.put("MAGNET_SESSION_TIMEOUT_SECONDS", "86400");
            try (TestServer server = TestServer.start(dir.resolve("data"), model, env)) {
                Round first = round(server, model, sessions, viewers, minutes);
                first.print();
                if (ramp) {
                    double p99 = first.p(99);
                    for (int n = sessions + step; ; n += step) {
                        Round next = round(server, model, n, viewers, stepMinutes);
                        next.print();
                        if (next.p(99) > 2 * p99 || next.errors > 0) {
                            System.out.printf("p99 doubled (or errors) at %d sessions: the most this machine holds with p99 within"
                                    + " twice %.0f ms is %d%n", n, p99, n - step);
                            break;
                        }
                    }
                }
            }
        }
    }

    /** One round: {@code sessions} streaming sessions watched by {@code viewers} viewers for {@code minutes}. */
    private static Round round(TestServer server, FakeAnthropic model, int sessions, int viewers, double minutes)
            throws Exception {
        int deltas = (int) (minutes * 60_000 / CHUNK_EVERY.toMillis());
        model.script(Script.empty().withFallback(Turn.reply().text("x".repeat(deltas * CHUNK)).chunked(CHUNK, CHUNK_EVERY)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < sessions; i++) {
            ids.add(server.createSession(Map.of("prompt", "stream for a while " + i)).path("id").asText());
        }
        AtomicInteger errors = new AtomicInteger();
        List<Viewer> watching = new ArrayList<>();
        for (int i = 0; i < viewers; i++) {
            Viewer v = new Viewer(server.baseUrl(), ids.get(i % sessions), errors);
            watching.add(v);
            Thread.ofVirtual().start(v);
        }
        long cpuBefore = serverCpuNanos();
        long wallBefore = System.nanoTime();
        long peakHeap = 0;
        long peakRss = 0;
        long peakSessionsRss = 0;
        int peakAgents = 0;
        Instant until = Instant.now().plus(Duration.ofMillis((long) (minutes * 60_000)));
        while (Instant.now().isBefore(until) || watching.stream().anyMatch(v -> !v.ended)) {
            Thread.sleep(5_000);
            System.gc();
            peakHeap = Math.max(peakHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            peakRss = Math.max(peakRss, rssKb(Path.of("/proc/self/status")) * 1024);
            long[] sandboxes = sandboxProcesses();
            if (sandboxes[1] > peakSessionsRss) {
                peakSessionsRss = sandboxes[1];
                peakAgents = (int) sandboxes[0];
            }
            if (Instant.now().isAfter(until.plus(Duration.ofMinutes(5)))) {
                errors.incrementAndGet();
                System.out.println("viewers still open 5 minutes after the sessions should have ended");
                break;
            }
        }
        double cpu = (serverCpuNanos() - cpuBefore) / (double) (System.nanoTime() - wallBefore);
        int failed = 0;
        long lostOrDuplicated = 0;
        List<Long> latencies = new ArrayList<>();
        for (String id : ids) {
            JsonNode s = server.awaitEnd(id);
            if (!s.path("status").asText().equals("completed")) {
                failed++;
            }
        }
        // why: one look-up per session; one per viewer (500) ran into the API's rate limit and read as 0
        Map<String, Long> lastSeqs = new HashMap<>();
        for (String id : ids) {
            lastSeqs.put(id, lastSeq(server, id));
        }
        for (Viewer v : watching) {
            long expected = lastSeqs.get(v.sessionId);
            lostOrDuplicated += Math.abs(expected - v.count) + v.outOfOrder;
            if (System.getenv("LOAD_DEBUG") != null && (expected != v.count || v.outOfOrder > 0)) {
                System.out.printf("viewer of %s: expected %d, got %d, out of order %d, last id %d%n", v.sessionId, expected,
                        v.count, v.outOfOrder, v.lastId);
            }
            latencies.addAll(v.latencies);
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Round(sessions, viewers, minutes, errors.get() + failed, failed, lostOrDuplicated, sorted, peakHeap, peakRss,
                peakSessionsRss / sessions, peakAgents, cpu);
    }

    private record Round(int sessions, int viewers, double minutes, int errors, int failed, long lostOrDuplicated,
                         long[] latenciesMicros, long heap, long rss, long perSession, int agentsSeen, double cpuCores) {
        double p(int percentile) {
            if (latenciesMicros.length == 0) {
                return Double.NaN;
            }
            return Figures.pct(latenciesMicros, percentile) / 1000.0;
        }

        void print() {
            System.out.printf("%d sessions, %d viewers, %.1f min: errors %d (sessions not completed %d); events lost or duplicated "
                            + "over all viewers %d; event stored -> viewer p50 %.0f ms, p99 %.0f ms (%,d samples); server heap "
                            + "after GC peak %d MB, server RSS peak %d MB; per active session (agent + sandbox processes) %d MB "
                            + "(%d processes named claude at the peak); server CPU %.2f cores%n",
                    sessions, viewers, minutes, errors, failed, lostOrDuplicated, p(50), p(99), latenciesMicros.length,
                    heap >> 20, rss >> 20, perSession >> 20, agentsSeen, cpuCores);
        }
    }

    private static long lastSeq(TestServer server, String id) {
        long after = 0;
        while (true) {
            JsonNode page = server.get("/api/sessions/" + id + "/events?limit=1000&after=" + after).json();
            after = page.path("nextAfter").asLong();
            if (!page.path("hasMore").asBoolean()) {
                return after;
            }
        }
    }

    /** A viewer that checks every frame's id follows the one before and keeps event stored → received latencies. */
    private static final class Viewer implements Runnable {
        private final String url;
        private final String sessionId;
        private final AtomicInteger errors;
        private final List<Long> latencies = new ArrayList<>();
        private long count;
        private long lastId;
        private long outOfOrder;
        private volatile boolean ended;

        Viewer(String baseUrl, String sessionId, AtomicInteger errors) {
            this.url = baseUrl + "/api/sessions/" + sessionId + "/events";
            this.sessionId = sessionId;
            this.errors = errors;
        }

        @Override
        public void run() {
            try {
                while (!ended) {
                    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream")
                            .header("x-api-key", TestServer.API_KEY);
                    if (lastId > 0) {
                        request.header("Last-Event-ID", Long.toString(lastId));
                    }
                    HttpResponse<InputStream> response = HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                    if (response.statusCode() != 200) {
                        errors.incrementAndGet();
                        return;
                    }
                    read(response.body());
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                errors.incrementAndGet();
                System.out.println("viewer of " + sessionId + " failed after " + count + " frames: " + e);
            } finally {
                ended = true;
            }
        }

        private void read(InputStream body) throws IOException {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("id: ")) {
                        long id = Long.parseLong(line.substring(4));
                        if (id != lastId + 1) {
                            outOfOrder++;
                        }
                        lastId = id;
                        count++;
                    } else if (line.startsWith("event: end")) {
                        ended = true;
                        return;
                    } else if (line.startsWith("data: ") && (count & 15) == 0) {
                        int at = line.indexOf("\"at\":\"");
                        if (at >= 0) {
                            Instant stored = Instant.parse(line.substring(at + 6, line.indexOf('"', at + 6)));
                            latencies.add(Duration.between(stored, Instant.now()).toNanos() / 1000);
                        }
                    }
                }
            }
        }
    }

    private static long serverCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** How many agent processes run in sandboxes, and the RSS (bytes) of every process of the sandbox account. */
    private static long[] sandboxProcesses() throws IOException {
        String sandboxUid = Files.readAllLines(Path.of("/etc/passwd")).stream().filter(l -> l.startsWith("magnet-sandbox:"))
                .map(l -> l.split(":")[2]).findFirst().orElse("-1");
        long agents = 0;
        long rss = 0;
        long self = ProcessHandle.current().pid();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    if (Long.parseLong(p.getFileName().toString()) == self) {
                        continue;
                    }
                    String status = Files.readString(p.resolve("status"));
                    String uid = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid:\t0").split("\\s+")[1];
                    if (!uid.equals(sandboxUid)) {
                        continue;
                    }
                    if (status.lines().anyMatch(l -> l.startsWith("Name:") && l.contains("claude"))) {
                        agents++;
                    }
                    rss += rssKb(p.resolve("status")) * 1024;
                } catch (IOException | RuntimeException e) {
                    // the process ended while we read it
                }
            }
        }
        return new long[] {agents, rss};
    }

    private static long rssKb(Path status) throws IOException {
        return Files.readString(status).lines().filter(l -> l.startsWith("VmRSS:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).orElse(0L);
    }
}
