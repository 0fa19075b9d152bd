package dev.magnet.preview;

import dev.magnet.session.Session;
import dev.magnet.session.SessionService;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Set;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.auth.Callers.browserToken;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;
import static dev.magnet.web.Requests.onlyFields;

/**
 * {@code POST /api/sessions/{id}/preview/link}: a one-time link that opens the session's preview (see
 * {@link PreviewAccess}); {@code POST /api/sessions/{id}/preview/start}: starts the preview of a session that does not run.
 * Both take no body, or an empty JSON object; anything else is a 400 and changes nothing.
 */
public final class PreviewRoutes {
    private final SessionService sessions;
    private final PreviewAccess access;
    private final PreviewUrls urls;

    public PreviewRoutes(SessionService sessions, PreviewAccess access, PreviewUrls urls) {
        this.sessions = sessions;
        this.access = access;
        this.urls = urls;
    }

    public void register(RouteTable routes) {
        routes.post("/api/sessions/{id}/preview/link", this::link);
        routes.post("/api/sessions/{id}/preview/start", this::start);
    }

    /** Starts the preview of a session that does not run; its state then shows on the session. */
    private void start(Context ctx) {
        onlyFields(object(ctx), Set.of());
        sessions.startPreview(actor(ctx), ctx.pathParam("id"));
        json(ctx, 202, Map.of("accepted", true));
    }

    private void link(Context ctx) {
        onlyFields(object(ctx), Set.of());
        Session s = sessions.get(actor(ctx), ctx.pathParam("id"));
        String token = access.link(actor(ctx), browserToken(ctx), s.id());
        String origin = urls.of(s.id());
        json(ctx, 201, Map.of("url", origin + PreviewProxy.ENTER.substring(1) + "?t=" + token, "origin", origin,
                "expiresInSeconds", PreviewAccess.LINK_LIFETIME.toSeconds()));
    }
}
