package dev.magnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.Magnet;
import dev.magnet.config.MagnetConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * The real Magnet server for a test: a fresh data dir, an H2 database (or the given URL), the fake model API
 * and a known admin key. Talks to it over HTTP on loopback.
 */
public final class TestServer implements AutoCloseable {
    public static final String API_KEY = "mgt_test_admin_key_0123456789";
    // why: a fake key; written in two parts so secret scanners do not take it for a real one
    public static final String MODEL_KEY = "sk-ant-" + "test-real-model-key-4242424242";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Magnet magnet;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Path dataDir;

    private TestServer(Magnet magnet, Path dataDir) {
        this.magnet = magnet;
        this.dataDir = dataDir;
    }

    /** Starts Magnet against the fake model in {@code dataDir}; {@code overrides} are extra environment settings. */
    public static TestServer start(Path dataDir, FakeAnthropic model, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("MAGNET_PORT", "0");
        env.put("MAGNET_PREVIEW_PORT", "0");
        env.put("MAGNET_DATA_DIR", dataDir.toString());
        env.put("MAGNET_BOOTSTRAP_API_KEY", API_KEY);
        env.put("ANTHROPIC_API_KEY", MODEL_KEY);
        env.put("ANTHROPIC_BASE_URL", model.baseUrl());
        env.put("MAGNET_CLAUDE_BIN", claudeBin().toString());
        env.put("MAGNET_MODEL_MAX_RETRIES", "1");
        // why: tests keep their repositories beside the data dir, and their fakes (GitHub, OIDC) on loopback
        env.put("MAGNET_ALLOW_LOCAL_REPOS", "true");
        env.put("MAGNET_LOCAL_REPO_ROOTS", dataDir.toAbsolutePath().getParent().toString());
        env.put("MAGNET_ALLOW_PRIVATE_ADDRESSES", "127.0.0.1,localhost");
        env.putAll(overrides);
        env.values().removeIf(v -> v == null);
        return new TestServer(Magnet.start(MagnetConfig.fromEnvironment(env)), dataDir);
    }

    public static TestServer start(Path dataDir, FakeAnthropic model) {
        return start(dataDir, model, Map.of());
    }

    /** The pinned CLI: {@code magnet.claude.bin}, {@code MAGNET_CLAUDE_BIN}, else {@code .tools/node_modules/.bin/claude}. */
    public static Path claudeBin() {
        String prop = System.getProperty("magnet.claude.bin");
        String env = System.getenv("MAGNET_CLAUDE_BIN");
        Path bin = Path.of(prop != null ? prop : env != null ? env : ".tools/node_modules/.bin/claude").toAbsolutePath();
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException("the Claude Code CLI is not at " + bin + ": run ./magnet test, which installs it");
        }
        return bin;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + magnet.port();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Magnet magnet() {
        return magnet;
    }

    public Response post(String path, Object body) {
        return send("POST", path, body == null ? "" : write(body), API_KEY, Map.of());
    }

    public Response patch(String path, Object body) {
        return send("PATCH", path, write(body), API_KEY, Map.of());
    }

    public Response get(String path) {
        return send("GET", path, null, API_KEY, Map.of());
    }

    public Response send(String method, String path, String body, String apiKey, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            b.header("x-api-key", apiKey);
        }
        if (body != null && headers.keySet().stream().noneMatch("content-type"::equalsIgnoreCase)) {
            b.header("content-type", "application/json");
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r.headers().firstValue("content-type").orElse(""));
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates a session and returns its JSON (the session object of the answer). */
    public JsonNode createSession(Map<String, Object> body) {
        Response r = post("/api/sessions", body);
        if (r.status() != 201) {
            throw new AssertionError("create failed: " + r);
        }
        return r.session();
    }

    /** Creates a session with another API key and returns its JSON. */
    public JsonNode createSessionAs(String apiKey, String prompt) {
        Response r = send("POST", "/api/sessions", write(Map.of("prompt", prompt)), apiKey, Map.of());
        if (r.status() != 201) {
            throw new AssertionError("create failed: " + r);
        }
        return r.session();
    }

    /** The session as {@code GET /api/sessions/{id}} shows it (the session object of the answer). */
    public JsonNode session(String id) {
        return get("/api/sessions/" + id).session();
    }

    /** The sessions of the first page of {@code GET /api/sessions} with the query (e.g. {@code "?limit=100"}, or ""). */
    public JsonNode sessions(String query) {
        return get("/api/sessions" + query).json().path("sessions");
    }

    /**
     * A new member of the admin's workspace (invited with the admin key, joined with a password) and an API key of
     * theirs; returns the key.
     */
    public String newMemberKey(String email) {
        String token = post("/api/workspace/invites", Map.of("role", "member", "email", email)).json().path("token").asText();
        Browser member = new Browser(baseUrl());
        Browser.Answer joined = member.post("/api/invites/" + token + "/accept",
                Map.of("name", "Member " + email, "email", email, "password", "member-password-1"));
        if (joined.status() != 200) {
            throw new AssertionError("joining failed: " + joined.status() + " " + joined.body());
        }
        Browser.Answer key = member.send("POST", "/api/keys", Map.of("name", "tests"), true, Map.of());
        if (key.status() != 201 && key.status() != 200) {
            throw new AssertionError("creating a key failed: " + key.status() + " " + key.body());
        }
        return key.json().path("key").asText();
    }

    /** Waits until the session has the status (and, when not null, the phase). */
    public JsonNode awaitStatus(String id, String status, Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> {
                last[0] = session(id);
                return status.equals(last[0].path("status").asText());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("session " + id + " did not become " + status + "; last seen: " + last[0]
                    + "\nevents: " + get("/api/sessions/" + id + "/events?limit=1000").body(), e);
        }
        return last[0];
    }

    /** Waits until the session is no longer active (completed or failed) and returns it. */
    public JsonNode awaitEnd(String id) {
        JsonNode[] last = new JsonNode[1];
        try {
            Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100)).until(() -> {
                last[0] = session(id);
                return !"active".equals(last[0].path("status").asText());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("session " + id + " is still active; last seen: " + last[0], e);
        }
        return last[0];
    }

    @Override
    public void close() {
        magnet.close();
    }

    public static String write(Object body) {
        try {
            return body instanceof String s ? s : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP answer. */
    public record Response(int status, String body, String contentType) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        /** The session of an answer of create, get, patch or retry ({@code {"session": …}}, Magnet's documented shape). */
        public JsonNode session() {
            return SessionAnswers.session(json());
        }
    }
}
