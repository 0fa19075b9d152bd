package dev.magnet.auth;

import dev.magnet.web.Problem;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;

/**
 * Runs before every {@code /api/*} route: finds the caller from the API key or the browser session (with its
 * CSRF token for writes) and refuses the request with problem+json unless the route table registers the route
 * that answers it as public.
 */
public final class AuthenticationFilter implements Handler {
    private final Authenticator authenticator;
    private final RouteTable routes;

    /** @param routes the server's routes, which say which requests need no credentials */
    public AuthenticationFilter(Authenticator authenticator, RouteTable routes) {
        this.authenticator = authenticator;
        this.routes = routes;
    }

    @Override
    public void handle(Context ctx) {
        if ("OPTIONS".equals(ctx.method().name())) {
            return;
        }
        boolean open = routes.isPublic(ctx.method().name(), ctx.path());
        Authenticator.Outcome outcome = authenticator.authenticate(ctx.header("x-api-key"), ctx.cookie(SessionCookies.SESSION),
                ctx.method().name(), ctx.header("X-CSRF-Token"));
        if (outcome instanceof Authenticator.Authenticated known) {
            ctx.attribute(Callers.ACTOR, known.actor());
            if (known.browserToken() != null) {
                ctx.attribute(Callers.BROWSER_TOKEN, known.browserToken());
            }
            return;
        }
        if (open) {
            return;
        }
        Authenticator.Refused refused = (Authenticator.Refused) outcome;
        if (refused.status() == 401) {
            ctx.header("WWW-Authenticate", "ApiKey header=\"x-api-key\"");
        }
        if (refused.status() == 429) {
            ctx.header("Retry-After", Long.toString(refused.retryAfterSeconds()));
        }
        HttpStatus status = HttpStatus.forStatus(refused.status());
        Problem.send(ctx, refused.status(), status.getMessage(), refused.detail(), null);
        ctx.skipRemainingHandlers();
    }
}
