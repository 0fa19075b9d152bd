package dev.magnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A test SSE reader of an event stream (a session's, or the workspace's): reads frames (and comment lines) on a thread until {@code end}, until
 * the server closes the stream, or until {@link #disconnect()}.
 */
public final class SseClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One SSE frame. */
    public record Frame(String id, String event, String data) {
        public JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final InputStream body;
    private final Thread reader;
    private volatile boolean ended;
    private final int status;

    private SseClient(HttpResponse<InputStream> response) {
        this.status = response.statusCode();
        this.body = response.body();
        this.reader = Thread.ofVirtual().start(this::read);
    }

    /** Opens the stream; {@code lastEventId} may be null. */
    public static SseClient open(String baseUrl, String sessionId, String apiKey, String lastEventId) {
        return lastEventId == null ? open(baseUrl, sessionId, Map.of("x-api-key", apiKey))
                : open(baseUrl, sessionId, Map.of("x-api-key", apiKey, "Last-Event-ID", lastEventId));
    }

    /** Opens the stream with these credentials headers (an API key, or a browser's {@code Cookie}). */
    public static SseClient open(String baseUrl, String sessionId, Map<String, String> headers) {
        return openPath(baseUrl, "/api/sessions/" + sessionId + "/events", headers);
    }

    /** Opens the event stream at {@code path} (a session's, or the workspace's {@code /api/workspace/events}). */
    public static SseClient openPath(String baseUrl, String path, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Accept", "text/event-stream").GET();
        headers.forEach(b::header);
        try {
            return new SseClient(HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public int status() {
        return status;
    }

    public List<Frame> frames() {
        return List.copyOf(frames);
    }

    /** The frames that carry events (not the final end frame). */
    public List<Frame> events() {
        return frames.stream().filter(f -> f.id() != null).toList();
    }

    public boolean ended() {
        return ended;
    }

    /** The comment lines the server sent (heartbeats and notes), without the leading colon. */
    public List<String> comments() {
        return List.copyOf(comments);
    }

    /** Whether the stream is over: the server closed it, or it ended with {@code end}. */
    public boolean closed() {
        return !reader.isAlive();
    }

    /** Waits until the server closes the stream (with or without an {@code end} frame). */
    public void awaitClosed(Duration timeout) throws InterruptedException {
        reader.join(timeout);
        if (reader.isAlive()) {
            throw new AssertionError("stream still open after " + timeout + "; frames: " + frames.size()
                    + ", comments: " + comments);
        }
    }

    public void awaitEnd(Duration timeout) throws InterruptedException {
        reader.join(timeout);
        if (!ended) {
            throw new AssertionError("stream did not end within " + timeout + "; frames: " + frames.size());
        }
    }

    public void awaitFrame(Predicate<Frame> match, Duration timeout) throws InterruptedException {
        try {
            Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .until(() -> frames.stream().anyMatch(match));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no matching frame within " + timeout + "; got " + frames, e);
        }
    }

    /** Drops the connection, as a client losing its network would. */
    public void disconnect() {
        try {
            body.close();
        } catch (IOException ignored) {
            // closing is all we want
        }
    }

    @Override
    public void close() {
        disconnect();
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            List<String> data = new ArrayList<>();
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        Frame f = new Frame(id, event, String.join("\n", data));
                        frames.add(f);
                        if ("end".equals(event)) {
                            ended = true;
                            return;
                        }
                    }
                    id = null;
                    event = null;
                    data.clear();
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).strip());
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.add(line.substring(5).stripLeading());
                }
            }
        } catch (IOException e) {
            // disconnected
        }
    }
}
