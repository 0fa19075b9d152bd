package dev.magnet.web;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: Javalin on virtual threads serving the routes of a {@link RouteTable}, the authentication filter
 * it is given before every {@code /api/*} route, and the one place where exceptions become problem+json answers.
 * Every request gets a request id and is timed ({@link RequestTelemetry}).
 */
public final class WebServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);
    /** Request bodies above this are refused with 413. */
    public static final long MAX_BODY_BYTES = 1024 * 1024;
    private final Javalin app;

    /**
     * @param authentication what runs before every {@code /api/*} route
     * @param routes         every route the server answers
     * @param metrics        where the requests are counted and timed ({@link RequestTelemetry})
     */
    public WebServer(Handler authentication, RouteTable routes, MeterRegistry metrics) {
        RequestTelemetry telemetry = new RequestTelemetry(metrics);
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.jetty.host = null;
            config.jetty.modifyServer(server -> server.setErrorHandler(WebServer::jettyError));
            config.routes.before(telemetry::begin);
            config.routes.beforeMatched(telemetry::matched);
            config.routes.after(telemetry::end);
            config.routes.before("/api/*", authentication);
            config.routes.before(WebServer::refuseNulInQuery);
            routes.installInto(config.routes);
            config.routes.exception(InvalidRequestException.class,
                    (e, ctx) -> Problem.send(ctx, 400, "Invalid request", e.getMessage(), e.field()));
            config.routes.exception(NotFoundException.class,
                    (e, ctx) -> Problem.send(ctx, 404, "Not found", e.getMessage(), null));
            config.routes.exception(ConflictException.class,
                    (e, ctx) -> Problem.send(ctx, 409, "Conflict", e.getMessage(), null));
            config.routes.exception(UnauthorizedException.class,
                    (e, ctx) -> Problem.send(ctx, 401, "Unauthorized", e.getMessage(), null));
            config.routes.exception(ForbiddenException.class,
                    (e, ctx) -> Problem.send(ctx, 403, "Forbidden", e.getMessage(), null));
            config.routes.exception(TooManyRequestsException.class, (e, ctx) -> {
                ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
                Problem.send(ctx, 429, "Too Many Requests", e.getMessage(), null);
            });
            // why: reading the body of a request whose Content-Type names a charset the JVM does not know throws these
            // (found by OpenApiFuzzIT: "application/json; charset=nonsense" was a 500)
            config.routes.exception(java.nio.charset.UnsupportedCharsetException.class, (e, ctx) -> unknownCharset(ctx));
            config.routes.exception(java.nio.charset.IllegalCharsetNameException.class, (e, ctx) -> unknownCharset(ctx));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                if (e.getStatus() == 413) {
                    drainBody(ctx);
                }
                HttpStatus status = HttpStatus.forStatus(e.getStatus());
                String detail = e.getStatus() == 413 ? "the request body is larger than " + MAX_BODY_BYTES + " bytes"
                        : e.getMessage();
                Problem.send(ctx, e.getStatus(), status.getMessage(), detail, null);
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
                Problem.send(ctx, 500, "Internal Server Error", "Magnet failed to answer this request; see the server log.", null);
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    Problem.send(ctx, 404, "Not found", "no route " + ctx.method() + " " + ctx.path(), null);
                }
            });
            config.routes.error(405, ctx -> Problem.send(ctx, 405, "Method Not Allowed",
                    ctx.method() + " is not allowed on " + ctx.path(), null));
        });
    }

    /**
     * Refuses a query parameter with a NUL character in its name or value (400 naming it).
     * why: PostgreSQL cannot compare text with NUL ("invalid byte sequence for encoding UTF8: 0x00"), so
     * GET /api/sessions?repo=a%00b was a 500; no parameter has a use for it (found by OpenApiFuzzIT)
     */
    private static void refuseNulInQuery(Context ctx) {
        ctx.queryParamMap().forEach((name, values) -> {
            if (name.indexOf('\0') >= 0 || values.stream().anyMatch(v -> v.indexOf('\0') >= 0)) {
                throw new InvalidRequestException(name, "the query parameter " + name.replace("\0", "") + " must not contain NUL characters");
            }
        });
    }

    /** The answer to a body in a charset the JVM does not know. */
    private static void unknownCharset(Context ctx) {
        // why: the raw header; ctx.contentType() throws the same exception again (Jetty 12 parses the charset)
        Problem.send(ctx, 415, "Unsupported Media Type", "the body's charset (Content-Type " + ctx.header("Content-Type")
                + ") is not one this server reads; send JSON as UTF-8", null);
    }

    /**
     * Reads and drops what is left of a request body that was refused unread, up to a bound.
     * why: a server that closes a connection with unread data in it makes the kernel reset it, and a client still
     * sending its body then loses the 413 already sent to it ("header parser received no bytes"); a body larger
     * than the bound is cut off all the same
     */
    private static void drainBody(io.javalin.http.Context ctx) {
        try (var in = ctx.req().getInputStream()) {
            byte[] buffer = new byte[64 * 1024];
            long left = 16 * MAX_BODY_BYTES;
            int n;
            while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
                left -= n;
            }
        } catch (java.io.IOException | IllegalStateException ignored) {
            // the client went away or the body was already taken: the answer goes out as it can
        }
    }

    public WebServer start(int port) {
        app.start("0.0.0.0", port);
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    /**
     * Requests Jetty refuses before they reach Javalin (e.g. a NUL or an ambiguous segment in the path) get a
     * problem+json answer like every other error.
     */
    private static boolean jettyError(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                      org.eclipse.jetty.util.Callback callback) {
        int status = response.getStatus() >= 400 ? response.getStatus() : 400;
        Object message = request.getAttribute(org.eclipse.jetty.server.handler.ErrorHandler.ERROR_MESSAGE);
        String body = Problem.json(status, HttpStatus.forStatus(status).getMessage(),
                message == null ? "the request could not be read" : message.toString(), null);
        response.getHeaders().put("Content-Type", Problem.CONTENT_TYPE);
        response.write(true, java.nio.ByteBuffer.wrap(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)), callback);
        return true;
    }
}
