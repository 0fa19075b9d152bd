package dev.magnet.web;

import dev.magnet.logging.LogContext;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.MDC;

/**
 * What every HTTP request leaves behind for operators: a request id (the caller's {@code X-Request-Id} when it is
 * acceptable, else a new UUID), echoed in the answer's {@code X-Request-Id} and in the logging context of every line
 * logged while answering; the session id in that context for the routes of one session; and the Micrometer meters
 * {@code http.server.requests} (a timer by method, route, status and outcome) and
 * {@code http.server.requests.active} (requests being answered, event streams included).
 */
final class RequestTelemetry {
    static final String HEADER = "X-Request-Id";
    private static final String STARTED = "magnet.request.started";
    private static final String ACTIVE = "magnet.request.active";
    private static final String SESSION_ROUTES = "/api/sessions/{id}";

    private final MeterRegistry metrics;

    RequestTelemetry(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /** Before any handler: the request id, in the answer and the logging context, and the start time. */
    void begin(Context ctx) {
        String given = ctx.header(HEADER);
        String id = LogContext.acceptableRequestId(given) ? given : UUID.randomUUID().toString();
        MDC.put(LogContext.REQUEST_ID, id);
        ctx.header(HEADER, id);
        ctx.attribute(STARTED, System.nanoTime());
    }

    /** Once the route is known: the session id of a session's routes, and the request counted as active. */
    void matched(Context ctx) {
        String route = route(ctx);
        if (route.startsWith(SESSION_ROUTES)) {
            String sessionId = ctx.pathParamMap().get("id");
            if (sessionId != null) {
                MDC.put(LogContext.SESSION_ID, sessionId);
            }
        }
        ctx.attribute(ACTIVE, LongTaskTimer.builder("http.server.requests.active")
                .description("HTTP requests being answered, event streams included")
                .tag("method", method(ctx)).tag("uri", route)
                .register(metrics).start());
    }

    /** After the answer: the request timed by route and status; the logging context cleared. */
    void end(Context ctx) {
        try {
            LongTaskTimer.Sample active = ctx.attribute(ACTIVE);
            if (active != null) {
                active.stop();
            }
            Long started = ctx.attribute(STARTED);
            if (started != null) {
                int status = ctx.statusCode();
                Timer.builder("http.server.requests").description("HTTP requests answered")
                        .tag("method", method(ctx)).tag("uri", route(ctx)).tag("status", Integer.toString(status))
                        .tag("outcome", outcome(status))
                        .register(metrics).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
        } finally {
            MDC.remove(LogContext.REQUEST_ID);
            MDC.remove(LogContext.SESSION_ID);
        }
    }

    /** The route's path as registered ({@code /api/sessions/{id}}), or {@code NOT_FOUND}: never the raw path. */
    private static String route(Context ctx) {
        Endpoint endpoint;
        try {
            endpoint = ctx.endpoints().matchedHttpEndpoint();
        } catch (RuntimeException e) {
            endpoint = null;
        }
        return endpoint == null ? "NOT_FOUND" : endpoint.path;
    }

    /** The request's method, or {@code OTHER} for one HTTP does not define (so no caller can add series at will). */
    private static String method(Context ctx) {
        return HandlerType.commonHttp().contains(ctx.method()) ? ctx.method().name() : "OTHER";
    }

    private static String outcome(int status) {
        return switch (status / 100) {
            case 1 -> "INFORMATIONAL";
            case 2 -> "SUCCESS";
            case 3 -> "REDIRECTION";
            case 4 -> "CLIENT_ERROR";
            case 5 -> "SERVER_ERROR";
            default -> "UNKNOWN";
        };
    }
}
