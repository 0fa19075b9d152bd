package dev.magnet.auth;

import dev.magnet.web.Problem;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpStatus;
import java.util.List;

/**
 * Runs before every {@code /api/*} route: finds the caller from the API key or the browser session (with its
 * CSRF token for writes) and refuses the request with problem+json unless the route is open to everyone.
 */
public final class AuthenticationFilter implements Handler {
    private static final List<String> PUBLIC_API_PATHS = List.of("/api/openapi.json", "/api/github/webhooks",
            "/api/auth/config", "/api/auth/signin", "/api/auth/signout", "/api/auth/oidc/start", "/api/auth/oidc/callback");
    private static final List<String> PUBLIC_API_PREFIXES = List.of("/api/invites/");
    private final Authenticator authenticator;

    public AuthenticationFilter(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    @Override
    public void handle(Context ctx) {
        if ("OPTIONS".equals(ctx.method().name())) {
            return;
        }
        boolean open = PUBLIC_API_PATHS.contains(ctx.path()) || PUBLIC_API_PREFIXES.stream().anyMatch(ctx.path()::startsWith);
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
