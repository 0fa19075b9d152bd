package dev.magnet.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.magnet.crypto.Tokens;
import dev.magnet.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model relay: the only way an agent reaches the model API. The agent's {@code ANTHROPIC_API_KEY} is a
 * per-session token that this relay accepts only while the session holds it; the relay swaps it for the
 * real key and forwards to {@code ANTHROPIC_BASE_URL}, streaming the answer back. It forwards only what
 * {@link RelayPolicy} allows (the model calls of the pinned CLI, with a capped body) and answers everything else
 * with an Anthropic-style error, unforwarded. Listens on loopback only.
 * <p>
 * An answer that breaks off upstream (the connection to the model API fails mid-answer) reaches the agent broken off
 * too, never as a complete answer, so that the agent retries it. An answer still streaming when its session's token is
 * revoked is read on for {@link #DRAIN_AFTER_CLOSE} at most (so that an answer about to end is still metered), then
 * let go: a session that has ended holds no connection to the model API.
 */
public final class ModelRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRelay.class);
    private static final String TOKEN_PREFIX = "magnet-session-";
    /**
     * How long an answer still streaming when its session's token is revoked is read on, to meter it, before it is cut.
     */
    // why: a model answer that hangs (pings and nothing else) would otherwise be read for ever after its session
    // failed, since the HTTP client's request timeout ends when the answer's headers arrive (JDK MultiExchange)
    static final Duration DRAIN_AFTER_CLOSE = Duration.ofSeconds(10);
    private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "x-api-key",
            "authorization", "transfer-encoding", "keep-alive", "upgrade", "expect", "proxy-authorization");

    private final String realKey;
    private final URI upstream;
    private final HttpServer server;
    private final HttpClient client;
    private final RelayPolicy policy;
    private final Spending spending;
    private final Map<String, Grant> grantByToken = new ConcurrentHashMap<>();
    private final Map<String, Usage> usageBySession = new ConcurrentHashMap<>();
    private final Set<Answer> answers = ConcurrentHashMap.newKeySet();
    private final Duration drainAfterClose;

    /**
     * What a token lets its holder do: act for one session (of one workspace, whose budget it spends), and reach the
     * internet through the model or not.
     */
    private record Grant(String sessionId, String workspaceId, boolean internetAllowed) {
    }

    /** Request and token counts of one session, as metered by the relay. */
    public static final class Usage {
        private final AtomicLong requests = new AtomicLong();
        private final AtomicLong inputTokens = new AtomicLong();
        private final AtomicLong outputTokens = new AtomicLong();

        public long requests() {
            return requests.get();
        }

        /** Input tokens the model reported, cache reads and writes included. */
        public long inputTokens() {
            return inputTokens.get();
        }

        public long outputTokens() {
            return outputTokens.get();
        }
    }

    /**
     * One model request being relayed: whose it is, since when it has been waited for, and the answer's body once
     * the model API has sent its headers. {@link #cut()} closes the body (from any thread): its reader then fails.
     */
    private static final class Answer {
        private final String sessionId;
        private final long askedAtNanos = System.nanoTime();
        private final AtomicBoolean draining = new AtomicBoolean();
        private volatile InputStream body;
        private volatile boolean cut;

        Answer(String sessionId) {
            this.sessionId = sessionId;
        }

        /** Marks the answer as read on only until it is cut; false when it already was. */
        boolean startDraining() {
            return draining.compareAndSet(false, true);
        }

        void answered(InputStream answerBody) {
            body = answerBody;
            if (cut) {
                closeQuietly(answerBody);
            }
        }

        void cut() {
            cut = true;
            InputStream b = body;
            if (b != null) {
                closeQuietly(b);
            }
        }

        Duration waited() {
            return Duration.ofNanos(System.nanoTime() - askedAtNanos);
        }
    }

    /** Thrown out of the exchange when the answer broke off: the JDK server then closes the connection as it is. */
    private static final class AnswerBrokeOff extends RuntimeException {
        AnswerBrokeOff(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    private ModelRelay(String realKey, URI upstream, HttpServer server, RelayPolicy policy, Spending spending,
                       Duration drainAfterClose) {
        this.spending = spending;
        this.drainAfterClose = drainAfterClose;
        this.realKey = realKey;
        this.upstream = upstream;
        this.server = server;
        this.policy = policy;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /**
     * Starts the relay on a free loopback port.
     *
     * @param realKey      the model API key, or null (then every request is answered 401 with what to set)
     * @param upstream     the model API base URL
     * @param maxBodyBytes the largest request body forwarded; a larger one is answered 413
     *                     ({@code SessionLimits.relayMaxBodyBytes()})
     * @param spending     asked before each request whether the session may spend more, told after what it used
     */
    public static ModelRelay start(String realKey, String upstream, long maxBodyBytes, Spending spending) {
        return start(realKey, upstream, maxBodyBytes, spending, DRAIN_AFTER_CLOSE);
    }

    /** As {@link #start(String, String, long, Spending)}, reading answers on for {@code drainAfterClose} after a close. */
    static ModelRelay start(String realKey, String upstream, long maxBodyBytes, Spending spending,
                            Duration drainAfterClose) {
        RelayPolicy policy = RelayPolicy.capped(maxBodyBytes);
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ModelRelay relay = new ModelRelay(realKey, URI.create(stripTrailingSlash(upstream)), server, policy,
                    java.util.Objects.requireNonNull(spending, "spending (Spending.UNLIMITED for none)"),
                    java.util.Objects.requireNonNull(drainAfterClose, "drainAfterClose"));
            server.createContext("/", relay::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return relay;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the model relay on loopback: " + e.getMessage(), e);
        }
    }

    /** The base URL of the relay on loopback (agents outside a network namespace use it directly). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** The loopback port the relay listens on; the gateway's model socket forwards to it. */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Issues the token that lets one session's agent use the relay. One token per session at a time.
     *
     * @param workspaceId     the session's workspace, whose budget its requests spend
     * @param internetAllowed whether the session's network policy allows the internet; when not, requests that ask
     *                        the model provider to reach it (MCP servers, server tools, URL sources) are refused
     */
    public String open(String sessionId, String workspaceId, boolean internetAllowed) {
        close(sessionId);
        String token = TOKEN_PREFIX + Tokens.random(24);
        grantByToken.put(token, new Grant(sessionId, workspaceId, internetAllowed));
        usageBySession.computeIfAbsent(sessionId, id -> new Usage());
        return token;
    }

    /**
     * Revokes the session's token: its agent can no longer reach the model. Its answers still streaming are read on
     * for a short while (metered if they end) and then cut.
     */
    public void close(String sessionId) {
        grantByToken.values().removeIf(grant -> grant.sessionId().equals(sessionId));
        List<Answer> open = answers.stream().filter(a -> a.sessionId.equals(sessionId) && a.startDraining()).toList();
        if (open.isEmpty()) {
            return;
        }
        Thread.ofVirtual().name("relay-drain-" + sessionId).start(() -> {
            try {
                Thread.sleep(drainAfterClose);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            open.stream().filter(answers::contains).forEach(Answer::cut);
        });
    }

    /**
     * How long the session's oldest model request still open has been waited for (its answer not yet complete), or
     * empty when none is open.
     */
    public Optional<Duration> waiting(String sessionId) {
        return answers.stream().filter(a -> a.sessionId.equals(sessionId)).map(Answer::waited)
                .max(Duration::compareTo);
    }

    public Usage usage(String sessionId) {
        return usageBySession.getOrDefault(sessionId, new Usage());
    }

    @Override
    public void close() {
        server.stop(0);
        // why: close() waits for requests in flight, and a model answer still streaming (or held) would keep the
        // server from stopping; the agents are gone by now, so their requests are cut off
        client.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        boolean brokeOff = false;
        try {
            String token = exchange.getRequestHeaders().getFirst("x-api-key");
            if (token == null) {
                String auth = exchange.getRequestHeaders().getFirst("authorization");
                token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
            }
            Grant grant = token == null ? null : grantByToken.get(token);
            if (grant == null) {
                error(exchange, 401, "authentication_error", "Magnet relay: this session token is not valid (the session is not active).");
                return;
            }
            if (realKey == null) {
                error(exchange, 401, "authentication_error",
                        "Magnet has no model API key: set ANTHROPIC_API_KEY for the Magnet server.");
                return;
            }
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            Optional<RelayPolicy.Refusal> refusal = policy.refuseRequest(method, path, declaredLength(exchange));
            if (refusal.isPresent()) {
                refuse(exchange, grant, refusal.get());
                return;
            }
            Optional<byte[]> body = readBody(exchange.getRequestBody(), policy.maxBodyBytes());
            refusal = body.isEmpty() ? Optional.of(policy.tooLarge())
                    : policy.refuseBody(body.get(), grant.internetAllowed());
            if (refusal.isPresent()) {
                refuse(exchange, grant, refusal.get());
                return;
            }
            Optional<String> overBudget = spending.refusal(grant.sessionId(), grant.workspaceId());
            if (overBudget.isPresent()) {
                // why: 403 is an error the CLI does not retry; the session's workflow fails it budget_exceeded
                refuse(exchange, grant, new RelayPolicy.Refusal(403, "permission_error", "Magnet relay: " + overBudget.get()));
                return;
            }
            Usage usage = usageBySession.computeIfAbsent(grant.sessionId(), id -> new Usage());
            usage.requests.incrementAndGet();
            forward(exchange, path, body.get(), grant, usage);
        } catch (AnswerBrokeOff e) {
            brokeOff = true;
            log.info("relay: {}", e.getMessage());
            // why: closing the exchange would end a chunked answer cleanly, as if the model had finished it; thrown
            // out of the handler, the JDK server closes the connection as it is (ServerImpl.Exchange.run), and the
            // agent sees the break and retries
            throw e;
        } catch (IOException e) {
            log.debug("relay exchange ended early: {}", e.getMessage());
        } finally {
            if (!brokeOff) {
                exchange.close();
            }
        }
    }

    /**
     * Reads a request body of at most {@code max} bytes, counting as it reads: a chunked body that never ends costs
     * no more than the cap.
     *
     * @return the body, or empty when it is longer than {@code max} (then it is left unread past the cap)
     */
    private static Optional<byte[]> readBody(InputStream in, int max) throws IOException {
        // why: nothing is allocated ahead from the Content-Length, so a client that announces a large body and sends
        // it slowly holds only what it has sent
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = in.read(buffer, 0, (int) Math.min(buffer.length, max + 1L - body.size()))) >= 0) {
            if (body.size() + n > max) {
                return Optional.empty();
            }
            body.write(buffer, 0, n);
        }
        return Optional.of(body.toByteArray());
    }

    private void forward(HttpExchange exchange, String path, byte[] body, Grant grant, Usage usage) throws IOException {
        String query = exchange.getRequestURI().getRawQuery();
        // why: built from the checked path, not from the URI as sent, so nothing but that path reaches the upstream
        URI target = URI.create(upstream + path + (query == null ? "" : "?" + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .timeout(Duration.ofMinutes(15))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        request.header("x-api-key", realKey);
        Answer answer = new Answer(grant.sessionId());
        answers.add(answer);
        try {
            relayAnswer(exchange, request.build(), grant, usage, answer);
        } finally {
            answers.remove(answer);
        }
    }

    private void relayAnswer(HttpExchange exchange, HttpRequest request, Grant grant, Usage usage, Answer answer)
            throws IOException {
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(exchange, 502, "api_error", "Magnet relay was interrupted");
            return;
        } catch (IOException e) {
            error(exchange, 502, "api_error", "Magnet relay could not reach the model API: " + e.getMessage());
            return;
        }
        answer.answered(response.body());
        response.headers().map().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!HOP_HEADERS.contains(lower) && !lower.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
            }
        });
        try (InputStream in = response.body()) {
            long length = response.headers().firstValueAsLong("content-length").orElse(0);
            exchange.sendResponseHeaders(response.statusCode(), length > 0 ? length : 0);
            OutputStream out = exchange.getResponseBody();
            UsageMeter meter = new UsageMeter();
            byte[] buffer = new byte[8192];
            int n;
            boolean agentGone = false;
            try {
                while ((n = read(in, buffer, answer)) >= 0) {
                    meter.feed(buffer, 0, n);
                    if (!agentGone) {
                        agentGone = !relay(out, buffer, n);
                    }
                }
            } finally {
                meter.finish();
                usage.inputTokens.addAndGet(meter.inputTokens());
                usage.outputTokens.addAndGet(meter.outputTokens());
                if (meter.inputTokens() > 0 || meter.outputTokens() > 0) {
                    spent(grant, meter.call());
                }
            }
        }
    }

    /**
     * Reads the next part of the model's answer.
     *
     * @throws AnswerBrokeOff when the connection to the model API failed mid-answer, or the answer was cut
     */
    private static int read(InputStream in, byte[] buffer, Answer answer) {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw new AnswerBrokeOff("session " + answer.sessionId + ": " + (answer.cut
                    ? "a model answer still open when the session ended was let go after " + answer.waited().toMillis()
                    : "the model API's answer broke off (" + e.getMessage() + ") after " + answer.waited().toMillis())
                    + " ms", e);
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            log.debug("closing a model answer: {}", e.getMessage());
        }
    }

    /**
     * Passes a chunk of the answer on to the agent; false when the agent has hung up. The answer is then still read
     * to its end, unrelayed: its output tokens are reported only at the end, and an agent must not spend the model's
     * work unmetered by hanging up just before.
     */
    private static boolean relay(OutputStream out, byte[] buffer, int n) {
        try {
            out.write(buffer, 0, n);
            out.flush(); // why: the model streams SSE; each chunk must reach the agent at once
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void spent(Grant grant, ModelCall call) {
        try {
            spending.spent(grant.sessionId(), grant.workspaceId(), call);
        } catch (RuntimeException e) {
            // why: the answer has reached the agent; failing to record it must not cut the agent off, and the next
            // request is checked against what is recorded
            log.warn("session {}: could not record a model request's use ({}): {}", grant.sessionId(), call, e.getMessage());
        }
    }

    /** The {@code Content-Length} of a request whose body is not chunked, else -1 (then the body is counted as read). */
    private static long declaredLength(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("content-length");
        if (length == null || exchange.getRequestHeaders().containsKey("transfer-encoding")) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            // why: the JDK server answers 400 to such a request before the relay sees it; were one to get through,
            // its body would still be counted as it is read
            return -1;
        }
    }

    private void refuse(HttpExchange exchange, Grant grant, RelayPolicy.Refusal refusal) throws IOException {
        log.info("session {}: the model relay answered {} without forwarding: {}", grant.sessionId(), refusal.status(),
                refusal.message());
        error(exchange, refusal.status(), refusal.errorType(), refusal.message());
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        ObjectNode json = Json.MAPPER.createObjectNode().put("type", "error");
        json.putObject("error").put("type", type).put("message", message);
        byte[] body = Json.write(json).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
