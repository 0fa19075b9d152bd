package dev.magnet.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.magnet.support.Ids;
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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model relay: the only way an agent reaches the model API. The agent's {@code ANTHROPIC_API_KEY} is a
 * per-session token that this relay accepts only while the session holds it; the relay swaps it for the
 * real key and forwards to {@code ANTHROPIC_BASE_URL}, streaming the answer back. Listens on loopback only.
 */
public final class ModelRelay implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModelRelay.class);
    private static final String TOKEN_PREFIX = "magnet-session-";
    private static final Set<String> HOP_HEADERS = Set.of("host", "content-length", "connection", "x-api-key",
            "authorization", "transfer-encoding", "keep-alive", "upgrade", "expect", "proxy-authorization");

    private final String realKey;
    private final URI upstream;
    private final HttpServer server;
    private final HttpClient client;
    private final Map<String, String> sessionByToken = new ConcurrentHashMap<>();
    private final Map<String, Usage> usageBySession = new ConcurrentHashMap<>();

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

    private ModelRelay(String realKey, URI upstream, HttpServer server) {
        this.realKey = realKey;
        this.upstream = upstream;
        this.server = server;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    /**
     * Starts the relay on a free loopback port.
     *
     * @param realKey  the model API key, or null (then every request is answered 401 with what to set)
     * @param upstream the model API base URL
     */
    public static ModelRelay start(String realKey, String upstream) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ModelRelay relay = new ModelRelay(realKey, URI.create(stripTrailingSlash(upstream)), server);
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

    /** Issues the token that lets one session's agent use the relay. One token per session at a time. */
    public String open(String sessionId) {
        close(sessionId);
        String token = TOKEN_PREFIX + Ids.secret(24);
        sessionByToken.put(token, sessionId);
        usageBySession.computeIfAbsent(sessionId, id -> new Usage());
        return token;
    }

    /** Revokes the session's token: its agent can no longer reach the model. */
    public void close(String sessionId) {
        sessionByToken.values().removeIf(sessionId::equals);
    }

    public Usage usage(String sessionId) {
        return usageBySession.getOrDefault(sessionId, new Usage());
    }

    @Override
    public void close() {
        server.stop(0);
        client.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String token = exchange.getRequestHeaders().getFirst("x-api-key");
            if (token == null) {
                String auth = exchange.getRequestHeaders().getFirst("authorization");
                token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
            }
            String sessionId = token == null ? null : sessionByToken.get(token);
            if (sessionId == null) {
                error(exchange, 401, "authentication_error", "Magnet relay: this session token is not valid (the session is not active).");
                return;
            }
            if (realKey == null) {
                error(exchange, 401, "authentication_error",
                        "Magnet has no model API key: set ANTHROPIC_API_KEY for the Magnet server.");
                return;
            }
            Usage usage = usageBySession.computeIfAbsent(sessionId, id -> new Usage());
            usage.requests.incrementAndGet();
            forward(exchange, usage);
        } catch (IOException e) {
            log.debug("relay exchange ended early: {}", e.getMessage());
        }
    }

    private void forward(HttpExchange exchange, Usage usage) throws IOException {
        URI target = URI.create(upstream + exchange.getRequestURI().toString());
        byte[] body = exchange.getRequestBody().readAllBytes();
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .timeout(Duration.ofMinutes(15))
                .method(exchange.getRequestMethod(), body.length == 0
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> request.header(name, v));
            }
        });
        request.header("x-api-key", realKey);
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(exchange, 502, "api_error", "Magnet relay was interrupted");
            return;
        } catch (IOException e) {
            error(exchange, 502, "api_error", "Magnet relay could not reach the model API: " + e.getMessage());
            return;
        }
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
            try {
                while ((n = in.read(buffer)) >= 0) {
                    meter.feed(buffer, 0, n);
                    out.write(buffer, 0, n);
                    out.flush(); // why: the model streams SSE; each chunk must reach the agent at once
                }
            } finally {
                meter.finish();
                usage.inputTokens.addAndGet(meter.inputTokens());
                usage.outputTokens.addAndGet(meter.outputTokens());
            }
        }
    }

    private static void error(HttpExchange exchange, int status, String type, String message) throws IOException {
        byte[] body = ("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
