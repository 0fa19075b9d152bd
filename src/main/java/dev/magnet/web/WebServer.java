package dev.magnet.web;

import dev.magnet.auth.Actor;
import dev.magnet.auth.ApiKeys;
import dev.magnet.support.ConflictException;
import dev.magnet.support.InvalidRequestException;
import dev.magnet.support.NotFoundException;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: Javalin on virtual threads, API-key authentication for {@code /api/*}, and the one place
 * where exceptions become problem+json answers.
 */
public final class WebServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);
    /** Request bodies above this are refused with 413. */
    public static final long MAX_BODY_BYTES = 1024 * 1024;
    // why: GitHub cannot send an API key; webhook deliveries are authenticated by their HMAC signature instead
    private static final List<String> PUBLIC_API_PATHS = List.of("/api/openapi.json", "/api/github/webhooks");

    private final Javalin app;

    public WebServer(ApiKeys apiKeys, List<Consumer<RoutesConfig>> features) {
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.maxRequestSize = MAX_BODY_BYTES;
            config.jetty.host = null;
            config.routes.before("/api/*", ctx -> authenticate(ctx, apiKeys));
            features.forEach(f -> f.accept(config.routes));
            config.routes.exception(InvalidRequestException.class,
                    (e, ctx) -> Problem.send(ctx, 400, "Invalid request", e.getMessage(), e.field()));
            config.routes.exception(NotFoundException.class,
                    (e, ctx) -> Problem.send(ctx, 404, "Not found", e.getMessage(), null));
            config.routes.exception(ConflictException.class,
                    (e, ctx) -> Problem.send(ctx, 409, "Conflict", e.getMessage(), null));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
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

    private static void authenticate(Context ctx, ApiKeys apiKeys) {
        if (PUBLIC_API_PATHS.contains(ctx.path()) || "OPTIONS".equals(ctx.method().name())) {
            return;
        }
        Optional<Actor> actor = apiKeys.authenticate(ctx.header("x-api-key"));
        if (actor.isEmpty()) {
            ctx.header("WWW-Authenticate", "ApiKey header=\"x-api-key\"");
            Problem.send(ctx, 401, "Unauthorized",
                    ctx.header("x-api-key") == null ? "an API key is required in the x-api-key header"
                            : "this API key is not valid (unknown or revoked)", null);
            ctx.skipRemainingHandlers();
            return;
        }
        ctx.attribute(Requests.ACTOR, actor.get());
    }
}
