package dev.magnet.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.auth.Actor;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;
import static dev.magnet.web.Requests.onlyFields;
import static dev.magnet.web.Requests.string;

/** The session routes of SPEC §4 (events and diff have routes of their own). */
public final class SessionRoutes {
    private static final Set<String> CREATE_FIELDS = Set.of("prompt", "initialMessage", "title", "repo", "repoUrl",
            "baseBranch", "model", "environmentId");
    private final SessionService service;
    private final UnaryOperator<String> previewUrl;

    /** @param previewUrl a session id's preview origin ({@code preview/PreviewUrls}) */
    public SessionRoutes(SessionService service, UnaryOperator<String> previewUrl) {
        this.service = service;
        this.previewUrl = previewUrl;
    }

    public void register(RouteTable routes) {
        routes.post("/api/sessions", this::create);
        routes.get("/api/sessions", this::list);
        routes.get("/api/sessions/{id}", this::get);
        routes.patch("/api/sessions/{id}", this::rename);
        routes.post("/api/sessions/{id}/messages", this::followUp);
        routes.post("/api/sessions/{id}/interrupt", this::interrupt);
        routes.post("/api/sessions/{id}/cancel", this::cancel);
        routes.post("/api/sessions/{id}/retry", this::retry);
        routes.get("/api/repos", this::repos);
    }

    private void create(Context ctx) {
        JsonNode body = object(ctx);
        onlyFields(body, CREATE_FIELDS);
        NewSession request = new NewSession(string(body, "prompt", "initialMessage"), string(body, "title"),
                string(body, "repo", "repoUrl"), string(body, "baseBranch"), string(body, "model"),
                string(body, "environmentId"));
        Session created = service.create(actor(ctx), request);
        ctx.header("Location", "/api/sessions/" + created.id());
        json(ctx, 201, SessionView.of(created));
    }

    private void list(Context ctx) {
        Actor actor = actor(ctx);
        String status = ctx.queryParam("status");
        Status statusFilter = null;
        if (status != null && !status.isBlank()) {
            try {
                statusFilter = Status.fromWire(status.trim().toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("status", "status must be active, completed or failed");
            }
        }
        String cursor = blankToNull(ctx.queryParam("cursor"));
        if (cursor != null && !dev.magnet.store.Ids.isWellFormed(cursor)) {
            throw new InvalidRequestException("cursor", "cursor is not one this API gave out");
        }
        SessionQuery query = new SessionQuery(actor.workspaceId(), statusFilter, blankToNull(ctx.queryParam("repo")),
                blankToNull(ctx.queryParam("author")), blankToNull(ctx.queryParam("q")),
                dev.magnet.web.Requests.intParam(ctx, "limit", 50, 1, SessionQuery.MAX_LIMIT), cursor);
        SessionPage page = service.list(query);
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Integer> queue = service.queuePositions();
        out.put("sessions", page.sessions().stream().map(s -> SessionView.of(s, queue.get(s.id()))).toList());
        out.put("nextCursor", page.nextCursor());
        out.put("stats", SessionView.StatsView.of(service.stats(actor)));
        json(ctx, 200, out);
    }

    private void get(Context ctx) {
        Session s = service.get(actor(ctx), ctx.pathParam("id"));
        SessionView view = SessionView.detailed(s, service.queuePositions().get(s.id()), service.conversation(s.id()),
                service.tasks(s.id()));
        Optional<RunScriptState> run = service.runScript(s.id());
        json(ctx, 200, run.isEmpty() ? view : view.withRunScript(run.get(), previewUrl));
    }

    private void rename(Context ctx) {
        JsonNode body = object(ctx);
        dev.magnet.web.Requests.onlyFields(body, Set.of("title"));
        String title = string(body, "title");
        if (title == null) {
            throw new InvalidRequestException("title", "title is required");
        }
        json(ctx, 200, SessionView.of(service.rename(actor(ctx), ctx.pathParam("id"), title)));
    }

    private void followUp(Context ctx) {
        JsonNode body = object(ctx);
        dev.magnet.web.Requests.onlyFields(body, Set.of("text"));
        SessionMessage m = service.followUp(actor(ctx), ctx.pathParam("id"), string(body, "text"));
        json(ctx, 202, Map.of("messageId", m.id(), "state", "queued"));
    }

    private void interrupt(Context ctx) {
        service.interrupt(actor(ctx), ctx.pathParam("id"));
        json(ctx, 202, Map.of("accepted", true));
    }

    private void cancel(Context ctx) {
        service.cancel(actor(ctx), ctx.pathParam("id"));
        json(ctx, 202, Map.of("accepted", true));
    }

    private void retry(Context ctx) {
        JsonNode body = object(ctx);
        dev.magnet.web.Requests.onlyFields(body, Set.of("prompt"));
        String prompt = string(body, "prompt");
        if (prompt != null && prompt.isBlank()) {
            throw new InvalidRequestException("prompt", "prompt must not be blank");
        }
        Session created = service.retry(actor(ctx), ctx.pathParam("id"), prompt);
        ctx.header("Location", "/api/sessions/" + created.id());
        json(ctx, 201, SessionView.of(created));
    }

    private void repos(Context ctx) {
        int limit = dev.magnet.web.Requests.intParam(ctx, "limit", 100, 1, 500);
        json(ctx, 200, Map.of("repos", service.repos(actor(ctx), limit)));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

}
