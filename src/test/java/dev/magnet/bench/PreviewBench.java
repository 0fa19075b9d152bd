package dev.magnet.bench;

import static dev.magnet.bench.Figures.pct;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.git.BranchName;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.HostHttp;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./magnet bench preview}: figures, not tests. For a trivial server ({@code python3 -m http.server}) as the
 * run script of an environment on image {@code host}: the time from the sandbox's {@code sandbox ready} (and from the
 * run script's start) to the preview's first answer; the latency of a small request through the preview proxy (host
 * proxy, unix socket, forwarder in the sandbox) against the same server run directly on the host's loopback, p50 and
 * p99; and the throughput of a 50 MB download both ways. Options: {@code --runs N} sessions for the start figure
 * (default 5), {@code --requests N} (default 500), {@code --downloads N} (default 5).
 */
public final class PreviewBench {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final int APP_PORT = 8000;
    private static final long BIG = 50L * 1024 * 1024;
    private static final String SITE = "mkdir -p /tmp/site && cd /tmp/site && echo hello > small.txt && head -c " + BIG
            + " /dev/zero > big.bin && exec python3 -m http.server %d --bind 127.0.0.1 >/dev/null 2>&1";

    public static void main(String[] args) throws Exception {
        int runs = Figures.intArg(args, "--runs", 5);
        int requests = Figures.intArg(args, "--requests", 500);
        int downloads = Figures.intArg(args, "--downloads", 5);
        Path dir = Files.createTempDirectory("magnet-preview-bench");
        System.out.println("Magnet preview benchmark in " + dir + " (" + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + Runtime.version() + ")");
        try (FakeAnthropic model = FakeAnthropic.start();
             TestServer server = TestServer.start(dir.resolve("data"), model)) {
            Map<String, Object> env = new LinkedHashMap<>();
            env.put("name", "bench");
            env.put("image", "host");
            env.put("runScript", SITE.formatted(APP_PORT));
            env.put("previewPort", APP_PORT);
            String envId = server.post("/api/environments", env).json().path("id").asText();
            List<Long> fromReady = new ArrayList<>();
            List<Long> fromStart = new ArrayList<>();
            String last = null;
            for (int i = 0; i < runs; i++) {
                if (last != null) {
                    finish(server, last);
                }
                model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("command",
                        "until [ -f /tmp/done ]; do sleep 0.2; done", "description", "wait")), Turn.reply().text("ok")));
                last = server.createSession(Map.of("prompt", "wait", "environmentId", envId)).path("id").asText();
                Instant answered = firstAnswer(server, last);
                fromReady.add(Duration.between(statusAt(server, last, "sandbox ready"), answered).toMillis());
                fromStart.add(Duration.between(statusAt(server, last, "run script started"), answered).toMillis());
            }
            Figures.report("sandbox ready -> preview answering (clone, run script start, server up, forwarder)", fromReady);
            Figures.report("run script started -> preview answering", fromStart);

            String host = BranchName.shortId(last) + ".preview.localhost:" + server.magnet().previewPort();
            Map<String, String> cookie = Map.of("Cookie", cookieFor(server, last, host));
            int port = server.magnet().previewPort();
            Path site = Files.createDirectories(dir.resolve("direct"));
            int direct = freePort();
            Process plain = new ProcessBuilder("bash", "-c", SITE.formatted(direct).replace("/tmp/site", site.toString()))
                    .inheritIO().start();
            try {
                awaitDirect(direct);
                List<Long> viaPreview = latencies(port, host, cookie, requests);
                List<Long> viaLoopback = latencies(direct, "127.0.0.1:" + direct, Map.of(), requests);
                micros("GET /small.txt through the preview", viaPreview);
                micros("GET /small.txt from the same server on the host's loopback", viaLoopback);
                System.out.printf("  the preview adds %.2f ms at p50, %.2f ms at p99%n",
                        (pct(viaPreview, 50) - pct(viaLoopback, 50)) / 1000.0, (pct(viaPreview, 99) - pct(viaLoopback, 99)) / 1000.0);
                throughput("50 MB download through the preview", port, host, cookie, downloads);
                throughput("50 MB download from the same server on the host's loopback", direct, "127.0.0.1:" + direct, Map.of(),
                        downloads);
            } finally {
                plain.destroy();
            }
            finish(server, last);
        }
    }

    /** Polls every 5 ms (with the API key only until a link's cookie is had: the key's rate limit counts each request). */
    private static Instant firstAnswer(TestServer server, String id) throws InterruptedException {
        String host = BranchName.shortId(id) + ".preview.localhost:" + server.magnet().previewPort();
        int port = server.magnet().previewPort();
        Instant deadline = Instant.now().plus(TIMEOUT);
        String cookie = null;
        while (Instant.now().isBefore(deadline)) {
            if (cookie == null && server.session(id).path("runScript").has("state")) {
                cookie = cookieFor(server, id, host);
            }
            if (cookie != null && HostHttp.get(port, host, "/small.txt", Map.of("Cookie", cookie)).status() == 200) {
                return Instant.now();
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("the preview of " + id + " never answered");
    }

    private static Instant statusAt(TestServer server, String id, String message) {
        for (JsonNode e : server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events")) {
            if (e.path("type").asText().equals("status") && e.path("data").path("reason").asText().startsWith(message)) {
                return Instant.parse(e.path("at").asText());
            }
        }
        throw new IllegalStateException("no status '" + message + "' in session " + id);
    }

    private static String cookieFor(TestServer server, String id, String host) {
        String url = server.post("/api/sessions/" + id + "/preview/link", Map.of()).json().path("url").asText();
        String target = url.substring(url.indexOf(host) + host.length());
        String cookie = HostHttp.get(server.magnet().previewPort(), host, target, Map.of()).headers().get("set-cookie");
        return cookie == null ? null : cookie.split(";")[0];
    }

    private static List<Long> latencies(int port, String host, Map<String, String> headers, int n) {
        for (int i = 0; i < 50; i++) {
            HostHttp.get(port, host, "/small.txt", headers);
        }
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            HostHttp.Answer a = HostHttp.get(port, host, "/small.txt", headers);
            micros.add((System.nanoTime() - start) / 1000);
            if (a.status() != 200) {
                throw new IllegalStateException("answer " + a.status() + ": " + a.body());
            }
        }
        return micros;
    }

    private static void micros(String what, List<Long> micros) {
        System.out.printf("%s: p50 %.2f ms, p99 %.2f ms (n=%d)%n", what, pct(micros, 50) / 1000.0, pct(micros, 99) / 1000.0,
                micros.size());
    }

    private static void throughput(String what, int port, String host, Map<String, String> headers, int n) {
        List<Long> mbps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            long bytes = HostHttp.drain(port, host, "/big.bin", headers);
            if (bytes < BIG) {
                throw new IllegalStateException("read " + bytes + " bytes of " + BIG);
            }
            mbps.add(Math.round(bytes / 1e6 / ((System.nanoTime() - start) / 1e9)));
        }
        System.out.printf("%s: p50 %d MB/s, min %d MB/s, max %d MB/s (n=%d)%n", what, pct(mbps, 50),
                mbps.stream().min(Long::compare).orElseThrow(), mbps.stream().max(Long::compare).orElseThrow(), n);
    }

    private static void finish(TestServer server, String id) throws Exception {
        Files.writeString(server.dataDir().resolve("sessions").resolve(id).resolve("tmp").resolve("done"), "");
        server.awaitStatus(id, "completed", TIMEOUT);
    }

    private static void awaitDirect(int port) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            try {
                if (HostHttp.get(port, "127.0.0.1:" + port, "/small.txt", Map.of()).status() == 200) {
                    return;
                }
            } catch (RuntimeException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("the direct server never answered");
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
