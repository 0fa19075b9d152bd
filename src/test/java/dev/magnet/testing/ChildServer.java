package dev.magnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The real Magnet server in its own JVM ({@code java dev.magnet.Main serve} on the test classpath), so a test
 * can really {@code kill -9} it. Same settings as {@link TestServer}; the port is read from its first line.
 */
public final class ChildServer implements AutoCloseable {
    private static final Pattern RUNNING = Pattern.compile("Magnet is running on http://localhost:(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ChildServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a server on {@code dataDir} against the fake model; {@code log} receives its output. */
    public static ChildServer start(Path dataDir, FakeAnthropic model, Path log, Map<String, String> overrides) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "dev.magnet.Main", "serve").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.put("MAGNET_PORT", "0");
        env.put("MAGNET_PREVIEW_PORT", "0");
        env.put("MAGNET_DATA_DIR", dataDir.toString());
        env.put("MAGNET_BOOTSTRAP_API_KEY", TestServer.API_KEY);
        env.put("ANTHROPIC_API_KEY", TestServer.MODEL_KEY);
        env.put("ANTHROPIC_BASE_URL", model.baseUrl());
        env.put("MAGNET_CLAUDE_BIN", TestServer.claudeBin().toString());
        env.put("MAGNET_MODEL_MAX_RETRIES", "1");
        // why: tests keep their repositories beside the data dir, and their fakes (GitHub, OIDC) on loopback
        env.put("MAGNET_ALLOW_LOCAL_REPOS", "true");
        env.put("MAGNET_LOCAL_REPO_ROOTS", dataDir.toAbsolutePath().getParent().toString());
        env.put("MAGNET_ALLOW_PRIVATE_ADDRESSES", "127.0.0.1,localhost");
        overrides.forEach((name, value) -> {
            if (value == null) {
                env.remove(name);
            } else {
                env.put(name, value);
            }
        });
        long from = Files.exists(log) ? Files.size(log) : 0;
        Process process = pb.start();
        String out;
        try {
            out = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> outputSince(log, from), o -> RUNNING.matcher(o).find() || !process.isAlive());
        } catch (ConditionTimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("the server did not start within 60 s; see " + log, e);
        }
        Matcher m = RUNNING.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("the server exited with " + process.exitValue() + ":\n" + out);
        }
        return new ChildServer(process, Integer.parseInt(m.group(1)));
    }

    private static String outputSince(Path log, long from) throws IOException {
        return Files.exists(log) ? Files.readString(log).substring((int) from) : "";
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM, as a service manager stops a server; returns how long it took to exit, or null if it had not within {@code limit}. */
    public Duration terminate(Duration limit) throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS) ? Duration.ofNanos(System.nanoTime() - start) : null;
    }

    /** SIGKILL, like {@code kill -9}: no shutdown hook runs. Waits until the process is gone. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** POSTs {@code body} (null for none) as JSON; fails on an answer of 300 or more. */
    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    /** Creates a session and returns it (the session object of the answer). */
    public JsonNode createSession(Map<String, Object> body) {
        return SessionAnswers.session(send("POST", "/api/sessions", body));
    }

    /** The session as {@code GET /api/sessions/{id}} shows it (the session object of the answer). */
    public JsonNode session(String id) {
        return SessionAnswers.session(get("/api/sessions/" + id));
    }

    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    /** Every event of a session, oldest first. */
    public List<JsonNode> events(String id) {
        List<JsonNode> all = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = get("/api/sessions/" + id + "/events?limit=1000&after=" + after);
            page.path("events").forEach(all::add);
            after = page.path("nextAfter").asLong();
            if (!page.path("hasMore").asBoolean()) {
                return all;
            }
        }
    }

    /** Waits until the session has this status. */
    public JsonNode awaitStatus(String id, String status, Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        try {
            return Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                    .until(() -> last[0] = session(id), s -> status.equals(s.path("status").asText()));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("session " + id + " did not become " + status + "; last seen: " + last[0]
                    + "\nevents: " + events(id), e);
        }
    }

    /** Waits until the session is no longer active and returns it. */
    public JsonNode awaitEnd(String id, Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        try {
            return Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200))
                    .until(() -> last[0] = session(id), s -> !"active".equals(s.path("status").asText()));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("session " + id + " is still active; last seen: " + last[0], e);
        }
    }

    private JsonNode send(String method, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30)).header("x-api-key", TestServer.API_KEY)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            if (body != null) {
                b.header("content-type", "application/json");
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) {
                throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
