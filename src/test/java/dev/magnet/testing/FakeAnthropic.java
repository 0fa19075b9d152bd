package dev.magnet.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A scripted fake of the Anthropic Messages API that speaks real HTTP on 127.0.0.1, for running
 * the Claude Code CLI in tests (point it here with {@code ANTHROPIC_BASE_URL=}{@link #baseUrl()}).
 * It behaves like {@code fake_anthropic.py} (docs: claude-code-protocol.md section 17):
 * <ul>
 *   <li>{@code POST /v1/messages}: main-loop requests (see {@link Script.MainIf}) consume the
 *       {@link Script}'s turns in order, others get its aux turn; streamed as Messages-API SSE when
 *       the body says {@code "stream": true}, else one JSON message;</li>
 *   <li>{@code POST /v1/messages/count_tokens}: {@code {"input_tokens": 42}};</li>
 *   <li>anything else: a 404 {@code not_found_error}.</li>
 * </ul>
 * Every request is recorded with all its headers and its parsed body; a client that goes away
 * while being answered is recorded in {@link #disconnects()}, and an answer the script cut off
 * ({@link Turn#droppedAfter}) in {@link #drops()}. Thread-safe.
 */
public final class FakeAnthropic implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PING_INTERVAL = Duration.ofMillis(500);

    private final HttpServer server;
    private final ExecutorService executor;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition recorded = lock.newCondition();
    private volatile boolean closed;

    // guarded by lock
    private Script script = Script.empty();
    private int turnIndex;
    private int servedOfTurn;
    private final List<RecordedRequest> requests = new ArrayList<>();
    private final List<RecordedRequest> disconnects = new ArrayList<>();
    private final List<RecordedRequest> drops = new ArrayList<>();

    private FakeAnthropic(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts a fake with an empty script (every main-loop request gets "ok") on a free loopback port. */
    public static FakeAnthropic start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            FakeAnthropic fake = new FakeAnthropic(server, executor);
            server.setExecutor(executor);
            server.createContext("/", fake::handle);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException("could not bind the fake Anthropic API to 127.0.0.1", e);
        }
    }

    /** {@code http://127.0.0.1:PORT}, the value for {@code ANTHROPIC_BASE_URL}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Replaces the script and starts again from its first turn; the recorded requests stay. */
    public FakeAnthropic script(Script script) {
        lock.lock();
        try {
            this.script = script;
            turnIndex = 0;
            servedOfTurn = 0;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** Starts the script again from its first turn and forgets the recorded requests. */
    public void reset() {
        lock.lock();
        try {
            turnIndex = 0;
            servedOfTurn = 0;
            requests.clear();
            disconnects.clear();
            drops.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Every request received so far, oldest first. */
    public List<RecordedRequest> requests() {
        return locked(() -> List.copyOf(requests));
    }

    /** The requests that consumed a scripted turn or the fallback, oldest first. */
    public List<RecordedRequest> mainRequests() {
        return locked(() -> requests.stream().filter(RecordedRequest::isMain).toList());
    }

    /** The requests whose client went away before the answer was complete, in that order. */
    public List<RecordedRequest> disconnects() {
        return locked(() -> List.copyOf(disconnects));
    }

    /** The requests whose connection the fake dropped mid-answer ({@link Turn#droppedAfter}), in that order. */
    public List<RecordedRequest> drops() {
        return locked(() -> List.copyOf(drops));
    }

    /**
     * Waits until at least {@code n} requests have arrived.
     *
     * @return the first {@code n} requests
     * @throws AssertionError on timeout, listing the requests that did arrive
     */
    public List<RecordedRequest> awaitRequests(int n, Duration timeout) {
        return await(n + " requests", timeout,
                () -> requests.size() >= n ? Optional.of(List.copyOf(requests.subList(0, n))) : Optional.empty());
    }

    /**
     * Waits until a request that matches {@code condition} has arrived (it may have arrived already).
     *
     * @return the first such request
     * @throws AssertionError on timeout, listing the requests that did arrive
     */
    public RecordedRequest awaitRequest(Predicate<RecordedRequest> condition, Duration timeout) {
        return await("a matching request", timeout, () -> requests.stream().filter(condition).findFirst());
    }

    /**
     * Waits until a request arrives whose message texts contain {@code text}, e.g. a follow-up
     * message (see {@link RecordedRequest#mentions}).
     *
     * @return the first such request
     * @throws AssertionError on timeout, listing the requests that did arrive
     */
    public RecordedRequest awaitRequestMentioning(String text, Duration timeout) {
        return await("a request mentioning \"" + text + "\"", timeout,
                () -> requests.stream().filter(r -> r.mentions(text)).findFirst());
    }

    /**
     * Waits until a client goes away while being answered.
     *
     * @return the request it had sent
     * @throws AssertionError on timeout
     */
    public RecordedRequest awaitDisconnect(Duration timeout) {
        return await("a client disconnect", timeout, () -> disconnects.stream().findFirst());
    }

    /** Stops the server at once, cutting open streams and releasing held turns. */
    @Override
    public void close() {
        closed = true;
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- HTTP

    private void handle(HttpExchange exchange) {
        boolean dropped = false;
        try {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            String fullPath = exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query);
            JsonNode body = parse(exchange.getRequestBody().readAllBytes());

            if (method.equals("POST") && path.equals("/v1/messages/count_tokens")) {
                record(exchange, fullPath, body, null);
                sendJson(exchange, 200, Map.of("input_tokens", 42), Map.of());
            } else if (method.equals("POST") && path.equals("/v1/messages") && body.isObject()) {
                Served served = next(body);
                RecordedRequest request = record(exchange, fullPath, body, served.label());
                try {
                    answer(exchange, body, served.turn());
                } catch (IOException e) {
                    // why: the CLI aborts its request on interrupt or timeout; that is an expected outcome
                    clientWentAway(request);
                } catch (Dropped e) {
                    dropped = true;
                    droppedConnection(request);
                    // why: closing the exchange would end the chunked body cleanly; an exception out of the handler
                    // makes the JDK server close the socket as it is, mid-body (ServerImpl.Exchange.run)
                    throw e;
                }
            } else {
                record(exchange, fullPath, body, null);
                sendJson(exchange, 404, error("not_found_error", "fake: no " + fullPath), Map.of());
            }
        } catch (IOException e) {
            // why: the client went away before it could be answered; the request is already recorded
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!dropped) {
                exchange.close();
            }
        }
    }

    private RecordedRequest record(HttpExchange exchange, String path, JsonNode body, String served) {
        lock.lock();
        try {
            RecordedRequest request = new RecordedRequest(requests.size() + 1, Instant.now(),
                    exchange.getRequestMethod(), path, exchange.getRequestHeaders(), body,
                    RecordedRequest.Summary.of(body), served);
            requests.add(request);
            recorded.signalAll();
            return request;
        } finally {
            lock.unlock();
        }
    }

    private void droppedConnection(RecordedRequest request) {
        lock.lock();
        try {
            drops.add(request);
            recorded.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void clientWentAway(RecordedRequest request) {
        lock.lock();
        try {
            disconnects.add(request);
            recorded.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The turn that answers this request, moving the script forward for main-loop requests. */
    private Served next(JsonNode body) {
        lock.lock();
        try {
            if (!script.mainIf().matches(body)) {
                return new Served(script.aux(), "aux");
            }
            while (turnIndex < script.turns().size()) {
                Turn turn = script.turns().get(turnIndex);
                if (servedOfTurn < turn.times()) {
                    servedOfTurn++;
                    return new Served(turn, "turn" + turnIndex);
                }
                turnIndex++;
                servedOfTurn = 0;
            }
            return new Served(script.fallback(), "default");
        } finally {
            lock.unlock();
        }
    }

    private record Served(Turn turn, String label) {}

    // ---- the Messages API

    private void answer(HttpExchange exchange, JsonNode request, Turn turn) throws IOException, InterruptedException {
        Thread.sleep(turn.delay());
        if (turn.gate() != null && !turn.gate().pass(() -> closed)) {
            return;
        }
        if (turn.error() != null) {
            Turn.ApiError error = turn.error();
            sendJson(exchange, error.status(), error(error.type(), error.message()), error.headers());
            return;
        }
        String model = request.path("model").asText(null);
        String messageId = "msg_" + randomHex();
        List<Map<String, Object>> content = turn.content().stream().map(FakeAnthropic::wireBlock).toList();
        if (!request.path("stream").asBoolean(false)) {
            if (turn.hang()) {
                holdUntilClosed();
                return;
            }
            sendJson(exchange, 200, object(
                    "id", messageId, "type", "message", "role", "assistant", "model", model,
                    "content", content, "stop_reason", turn.effectiveStopReason(), "stop_sequence", null,
                    "usage", usage(turn.usage(), turn.usage().outputTokens())), Map.of());
            return;
        }
        stream(exchange, turn, model, messageId, content);
    }

    private void stream(HttpExchange exchange, Turn turn, String model, String messageId,
            List<Map<String, Object>> content) throws IOException, InterruptedException {
        exchange.getResponseHeaders().set("content-type", "text/event-stream");
        exchange.getResponseHeaders().set("cache-control", "no-cache");
        exchange.getResponseHeaders().set("request-id", "req_fake_" + randomHex().substring(0, 12));
        exchange.sendResponseHeaders(200, 0); // why: length 0 = chunked, so each flushed event goes out at once
        OutputStream out = exchange.getResponseBody();
        Deltas deltas = new Deltas(out, turn.dropAfter());

        event(out, "message_start", object("type", "message_start", "message", object(
                "id", messageId, "type", "message", "role", "assistant", "model", model, "content", List.of(),
                "stop_reason", null, "stop_sequence", null, "usage", usage(turn.usage(), 1))));
        if (turn.hang()) {
            while (!closed) { // a write fails once the client has gone away
                event(out, "ping", object("type", "ping"));
                Thread.sleep(PING_INTERVAL);
            }
            return;
        }
        for (int index = 0; index < content.size(); index++) {
            Map<String, Object> block = content.get(index);
            switch (turn.content().get(index)) {
                case Turn.Block.Text text -> {
                    blockStart(out, index, object("type", "text", "text", ""));
                    for (String chunk : chunks(text.text(), turn.chunkSize())) {
                        Thread.sleep(turn.chunkDelay());
                        deltas.send(index, object("type", "text_delta", "text", chunk));
                    }
                }
                case Turn.Block.Thinking thinking -> {
                    blockStart(out, index, object("type", "thinking", "thinking", "", "signature", ""));
                    for (String chunk : chunks(thinking.thinking(), turn.chunkSize())) {
                        Thread.sleep(turn.chunkDelay());
                        deltas.send(index, object("type", "thinking_delta", "thinking", chunk));
                    }
                    deltas.send(index, object("type", "signature_delta", "signature", thinking.signature()));
                }
                case Turn.Block.ToolUse toolUse -> {
                    blockStart(out, index, object("type", "tool_use", "id", block.get("id"), "name", toolUse.name(),
                            "input", Map.of()));
                    Thread.sleep(turn.chunkDelay());
                    deltas.send(index, object("type", "input_json_delta",
                            "partial_json", JSON.writeValueAsString(toolUse.input())));
                }
            }
            event(out, "content_block_stop", object("type", "content_block_stop", "index", index));
        }
        event(out, "message_delta", object("type", "message_delta",
                "delta", object("stop_reason", turn.effectiveStopReason(), "stop_sequence", null),
                "usage", object("output_tokens", turn.usage().outputTokens())));
        event(out, "message_stop", object("type", "message_stop"));
    }

    /** Writes content deltas, dropping the connection after the scripted number of them. */
    private static final class Deltas {
        private final OutputStream out;
        private final int dropAfter;
        private int sent;

        Deltas(OutputStream out, int dropAfter) {
            this.out = out;
            this.dropAfter = dropAfter;
        }

        void send(int index, Map<String, Object> delta) throws IOException {
            if (sent == dropAfter) {
                throw new Dropped();
            }
            event(out, "content_block_delta", object("type", "content_block_delta", "index", index, "delta", delta));
            sent++;
        }
    }

    private static void blockStart(OutputStream out, int index, Map<String, Object> block) throws IOException {
        event(out, "content_block_start", object("type", "content_block_start", "index", index, "content_block", block));
    }

    /** Thrown out of the handler to close the connection mid-answer ({@link Turn#droppedAfter}). */
    private static final class Dropped extends RuntimeException {
        Dropped() {
            super("fake Anthropic API: connection dropped mid-answer as scripted", null, false, false);
        }
    }

    private static void event(OutputStream out, String name, Object data) throws IOException {
        out.write(("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sendJson(HttpExchange exchange, int status, Object body, Map<String, String> headers)
            throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.getResponseHeaders().set("request-id", "req_fake_" + randomHex().substring(0, 12));
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void holdUntilClosed() throws InterruptedException {
        while (!closed) {
            Thread.sleep(PING_INTERVAL);
        }
    }

    /** A scripted block as the API sends it, with a fresh id for a tool call. */
    private static Map<String, Object> wireBlock(Turn.Block block) {
        return switch (block) {
            case Turn.Block.Text text -> object("type", "text", "text", text.text());
            case Turn.Block.Thinking thinking ->
                    object("type", "thinking", "thinking", thinking.thinking(), "signature", thinking.signature());
            case Turn.Block.ToolUse toolUse ->
                    object("type", "tool_use", "id", "toolu_" + randomHex(), "name", toolUse.name(), "input", toolUse.input());
        };
    }

    private static Map<String, Object> usage(Turn.Usage usage, int outputTokens) {
        return object("input_tokens", usage.inputTokens(), "output_tokens", outputTokens,
                "cache_creation_input_tokens", usage.cacheCreationInputTokens(),
                "cache_read_input_tokens", usage.cacheReadInputTokens());
    }

    private static Map<String, Object> error(String type, String message) {
        return object("type", "error", "error", object("type", type, "message", message));
    }

    private static List<String> chunks(String text, int size) {
        if (size == 0 || text.length() <= size) {
            return List.of(text);
        }
        List<String> chunks = new ArrayList<>();
        for (int start = 0; start < text.length(); start += size) {
            chunks.add(text.substring(start, Math.min(text.length(), start + size)));
        }
        return chunks;
    }

    /** A JSON object from alternating keys and values, in that order; values may be null. */
    private static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> object = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            object.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return object;
    }

    private static JsonNode parse(byte[] raw) {
        if (raw.length == 0) {
            return MissingNode.getInstance();
        }
        String text = new String(raw, StandardCharsets.UTF_8);
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(text);
        }
    }

    private static String randomHex() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    }

    private <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    private <T> T await(String what, Duration timeout, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                Optional<T> found = probe.get();
                if (found.isPresent()) {
                    return found.get();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("fake Anthropic API: no " + what + " within " + timeout
                            + "; requests so far:\n" + String.join("\n", requests.stream().map(String::valueOf).toList()));
                }
                recorded.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        } finally {
            lock.unlock();
        }
    }
}
