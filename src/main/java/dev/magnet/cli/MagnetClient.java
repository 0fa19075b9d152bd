package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The Magnet HTTP API (SPEC §4) as the command-line client uses it. Every call sends the API key
 * as {@code x-api-key}. Errors are thrown as {@link CliException}s: {@code Unreachable} when the
 * server cannot be reached, {@code ServerAnswer} with the problem+json when it refuses.
 */
final class MagnetClient implements AutoCloseable {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Until the answer's headers arrive; an event stream's body may then flow for as long as it lasts. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final String USER_AGENT = "magnet-cli";

    private final ClientSettings settings;
    private final HttpClient http;

    MagnetClient(ClientSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        // why: the JDK client otherwise offers an h2c upgrade on plain http, which an SSE
        // response does not need and some proxies mishandle
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    /** Drops the connections; call when the command is done, after every stream was closed. */
    @Override
    public void close() {
        http.shutdownNow();
    }

    URI baseUrl() {
        return settings.baseUrl();
    }

    /** {@code POST /api/sessions}; returns the created session (the answer's {@code session}). */
    JsonNode createSession(CreateSessionRequest request) throws InterruptedException {
        return ClientJson.session(send(post("/api/sessions", request)));
    }

    /** {@code GET /api/sessions}; returns the page with {@code sessions}, {@code nextCursor}, {@code stats}. */
    JsonNode listSessions(ListOptions options) throws InterruptedException {
        return send(get("/api/sessions" + queryString(options.parameters())));
    }

    /** {@code GET /api/sessions/{id}}; returns the session (the answer's {@code session}) with its messages and tasks. */
    JsonNode getSession(String id) throws InterruptedException {
        return ClientJson.session(send(get(sessionPath(id, ""))));
    }

    /** {@code POST /api/sessions/{id}/messages}: a follow-up message. */
    JsonNode sendMessage(String id, String text) throws InterruptedException {
        return send(post(sessionPath(id, "/messages"), Map.of("text", text)));
    }

    /** {@code POST /api/sessions/{id}/interrupt}: stop the current turn. */
    JsonNode interrupt(String id) throws InterruptedException {
        return send(post(sessionPath(id, "/interrupt"), Map.of()));
    }

    /** {@code POST /api/sessions/{id}/cancel}: end the session as failed/cancelled. */
    JsonNode cancel(String id) throws InterruptedException {
        return send(post(sessionPath(id, "/cancel"), Map.of()));
    }

    /** {@code POST /api/sessions/{id}/retry}, with an edited prompt or null; returns the new session (the answer's {@code session}). */
    JsonNode retry(String id, String prompt) throws InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        if (prompt != null) {
            body.put("prompt", prompt);
        }
        return ClientJson.session(send(post(sessionPath(id, "/retry"), body)));
    }

    /** {@code GET /api/sessions/{id}/diff?format=json}: base and head commits, the changed files and the diff. */
    JsonNode diff(String id) throws InterruptedException {
        return send(get(sessionPath(id, "/diff?format=json")));
    }

    /** {@code GET /api/sessions/{id}/diff}: the session branch's unified diff against its base, as git prints it. */
    String diffText(String id) throws InterruptedException {
        HttpRequest request = request(sessionPath(id, "/diff")).header("Accept", "text/x-diff").GET().build();
        HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw new CliException.ServerAnswer(ErrorAnswer.fromAnswer(response.statusCode(), response.body()));
        }
        return response.body();
    }

    /**
     * Opens {@code GET /api/sessions/{id}/events} as an event stream.
     *
     * @param lastEventId sent as {@code Last-Event-ID} (a reconnect), or null
     * @param after       sent as {@code ?after=N} (a first connection that skips events), or null
     * @return the open stream; the caller closes it
     */
    EventStream openEvents(String id, Long lastEventId, Long after) throws InterruptedException {
        String query = after == null ? "" : "?after=" + after;
        HttpRequest.Builder request = request(sessionPath(id, "/events") + query)
                .header("Accept", "text/event-stream")
                .header("Cache-Control", "no-cache")
                .GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId.toString());
        }
        HttpResponse<InputStream> response = exchange(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        InputStream body = response.body();
        if (response.statusCode() != 200) {
            throw new CliException.ServerAnswer(ErrorAnswer.fromAnswer(response.statusCode(), readAll(body)));
        }
        String contentType = response.headers().firstValue("Content-Type").orElse("");
        if (!contentType.startsWith("text/event-stream")) {
            new EventStream(body).close();
            throw new CliException.Unexpected("the server answered the event stream request with '"
                    + contentType + "' instead of text/event-stream");
        }
        return new EventStream(body);
    }

    /** {@code GET} of any API path; the JSON answer. */
    JsonNode getJson(String path) throws InterruptedException {
        return send(get(path));
    }

    /** {@code POST} of a JSON body to any API path; the JSON answer. */
    JsonNode postJson(String path, Object body) throws InterruptedException {
        return send(post(path, body));
    }

    /** {@code PATCH} of a JSON body to any API path; the JSON answer. */
    JsonNode patchJson(String path, Object body) throws InterruptedException {
        return send(request(path).header("Accept", "application/json").header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(ClientJson.write(body), StandardCharsets.UTF_8)).build());
    }

    /** {@code DELETE} of any API path. */
    void delete(String path) throws InterruptedException {
        send(request(path).header("Accept", "application/json").DELETE().build());
    }

    /** A path segment, percent-encoded. */
    static String segment(String value) {
        return encode(value);
    }

    private HttpRequest get(String path) {
        return request(path).header("Accept", "application/json").GET().build();
    }

    private HttpRequest post(String path, Object body) {
        return request(path)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ClientJson.write(body), StandardCharsets.UTF_8))
                .build();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(settings.resolvePath(path))
                .timeout(ANSWER_TIMEOUT)
                .header("x-api-key", settings.apiKey())
                .header("User-Agent", USER_AGENT);
    }

    private JsonNode send(HttpRequest request) throws InterruptedException {
        HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw new CliException.ServerAnswer(ErrorAnswer.fromAnswer(response.statusCode(), response.body()));
        }
        String body = response.body();
        return body == null || body.isBlank() ? MissingNode.getInstance() : ClientJson.parse(body);
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws InterruptedException {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new CliException.Unreachable(settings.baseUrl(), describe(e));
        }
    }

    /** The most telling message of an I/O failure; the JDK often wraps the real one without a message. */
    static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (!Formats.isBlank(t.getMessage())) {
                return t.getMessage();
            }
        }
        return failure.getClass().getSimpleName();
    }

    private static String sessionPath(String id, String suffix) {
        return "/api/sessions/" + encode(id) + suffix;
    }

    private static String queryString(Map<String, String> parameters) {
        if (parameters.isEmpty()) {
            return "";
        }
        return parameters.entrySet().stream()
                .map(p -> encode(p.getKey()) + "=" + encode(p.getValue()))
                .collect(Collectors.joining("&", "?", ""));
    }

    private static String encode(String value) {
        // why: URLEncoder writes form encoding, where a space is '+'; in a path '+' is literal
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String readAll(InputStream body) {
        try (body) {
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
