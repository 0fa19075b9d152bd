package dev.magnet.auth;

import dev.magnet.web.ForbiddenException;
import io.javalin.http.Context;
import io.javalin.http.UnauthorizedResponse;

/** Who made a request, as the {@link AuthenticationFilter} found out: for handlers of every feature. */
public final class Callers {
    static final String ACTOR = "magnet.actor";
    /** The session cookie of a request that a signed-in browser made (absent for API keys). */
    static final String BROWSER_TOKEN = "magnet.browser";

    private Callers() {
    }

    public static Actor actor(Context ctx) {
        Actor actor = ctx.attribute(ACTOR);
        if (actor == null) {
            throw new UnauthorizedResponse("sign in, or send an API key in the x-api-key header");
        }
        return actor;
    }

    /** The caller when it is an admin of its workspace; 403 for other members (integration settings, membership). */
    public static Actor admin(Context ctx) {
        Actor actor = actor(ctx);
        if (!actor.isAdmin()) {
            throw new ForbiddenException("only admins of the workspace may do this");
        }
        return actor;
    }

    /** The caller on a route open to everyone (sign-in, invites, webhooks), or null when anonymous. */
    public static Actor optionalActor(Context ctx) {
        return ctx.attribute(ACTOR);
    }

    /** The session cookie when a signed-in browser made the request, else null. */
    public static String browserToken(Context ctx) {
        return ctx.attribute(BROWSER_TOKEN);
    }
}
