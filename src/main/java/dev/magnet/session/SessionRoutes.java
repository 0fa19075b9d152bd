package dev.magnet.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.auth.Actor;
import dev.magnet.web.ForbiddenException;
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
import static dev.magnet.web.Requests.integer;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;
import static dev.magnet.web.Requests.onlyFields;
import static dev.magnet.web.Requests.string;

/**
 * The session routes of SPEC §4 (events and diff have routes of their own). Create, get, patch and retry answer
 * {@code {"session": …}} and the list {@code {"sessions": […], "stats": …, "nextCursor": …}}, as Magnet's API reference
 * documents; {@code organizationId} (or {@code workspaceId}) is accepted in the create body and as a query parameter and
 * must name the caller's workspace (403 otherwise).
 */
public final class SessionRoutes {
    private static final Set<String> CREATE_FIELDS = Set.of("prompt", "initialMessage", "title", "repo", "repoUrl",
            "baseBranch", "model", "environmentId", "organizationId", "workspaceId");
    private static final Set<String> PATCH_FIELDS = Set.of("title", "status");
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
        routes.patch("/api/sessions/{id}", this::update);
        routes.post("/api/sessions/{id}/messages", this::followUp);
        routes.post("/api/sessions/{id}/comments", this::comment);
        routes.post("/api/sessions/{id}/interrupt", this::interrupt);
        routes.post("/api/sessions/{id}/cancel", this::cancel);
        routes.post("/api/sessions/{id}/retry", this::retry);
        routes.get("/api/repos", this::repos);
    }

    private void create(Context ctx) {
        JsonNode body = object(ctx);
        onlyFields(body, CREATE_FIELDS);
        Actor actor = actor(ctx);
        requireOwnWorkspace(actor, "organizationId", string(body, "organizationId"));
        requireOwnWorkspace(actor, "workspaceId", string(body, "workspaceId"));
        NewSession request = new NewSession(string(body, "prompt", "initialMessage"), string(body, "title"),
                string(body, "repo", "repoUrl"), string(body, "baseBranch"), string(body, "model"),
                string(body, "environmentId"));
        Session created = service.create(actor, request);
        ctx.header("Location", "/api/sessions/" + created.id());
        json(ctx, 201, one(SessionView.of(created, service.conversationOf(created))));
    }

    private void list(Context ctx) {
        Actor actor = workspaceActor(ctx);
        String status = ctx.queryParam("status");
        Status statusFilter = status == null || status.isBlank() ? null : status(status);
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
        Map<String, ConversationSummary> conversations = service.conversations(page.sessions());
        out.put("sessions", page.sessions().stream().map(s -> SessionView.of(s, queue.get(s.id()), conversations.get(s.id()))).toList());
        out.put("stats", SessionView.StatsView.of(service.stats(actor)));
        out.put("nextCursor", page.nextCursor());
        json(ctx, 200, out);
    }

    private void get(Context ctx) {
        Session s = service.get(workspaceActor(ctx), ctx.pathParam("id"));
        SessionView view = SessionView.detailed(s, service.queuePositions().get(s.id()), service.conversationOf(s),
                service.conversation(s.id()), service.tasks(s.id()), service.checks(s.id()));
        Optional<RunScriptState> run = service.runScript(s.id());
        json(ctx, 200, one(run.isEmpty() ? view : view.withRunScript(run.get(), previewUrl)));
    }

    /** Magnet's documented update: every field optional ({@code {}} changes nothing), the status checked before the title is written. */
    private void update(Context ctx) {
        Actor actor = workspaceActor(ctx);
        String id = ctx.pathParam("id");
        JsonNode body = object(ctx);
        onlyFields(body, PATCH_FIELDS);
        String title = string(body, "title");
        String status = string(body, "status");
        Status wanted = status == null ? null : status(status);
        Session s = service.get(actor, id);
        if (wanted != null) {
            SessionService.requireStatusChange(s, wanted);
        }
        if (title != null) {
            s = service.rename(actor, id, title);
        }
        if (wanted != null) {
            s = service.changeStatus(actor, id, wanted);
        }
        json(ctx, 200, one(SessionView.of(s, service.queuePositions().get(s.id()), service.conversationOf(s))));
    }

    private void followUp(Context ctx) {
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("text"));
        SessionMessage m = service.followUp(actor(ctx), ctx.pathParam("id"), string(body, "text"));
        json(ctx, 202, Map.of("messageId", m.id(), "state", "queued"));
    }

    /**
     * A review comment on a line or range of the diff (new side, or with {@code side: "old"} the lines before the
     * changes), queued as a follow-up with the file, side, lines and hunk.
     */
    private void comment(Context ctx) {
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("path", "line", "endLine", "side", "text"));
        String sideName = string(body, "side");
        ReviewComment.Side side = sideName == null ? ReviewComment.Side.NEW : ReviewComment.Side.fromWire(sideName)
                .orElseThrow(() -> new InvalidRequestException("side", "side must be \"new\" (the changed file) or \"old\" (the file before)"));
        String path = string(body, "path");
        if (path == null || path.isBlank() || path.length() > ReviewComment.MAX_PATH_CHARS || path.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("path", "path must be the path of a changed file, on one line");
        }
        Integer line = integer(body, "line");
        Integer endLine = integer(body, "endLine");
        if (line == null || line < 1 || endLine != null && endLine < line) {
            throw new InvalidRequestException(line == null || line < 1 ? "line" : "endLine",
                    "line must be a line number (1 or more) of the side's file, and endLine, if given, not before it");
        }
        ReviewComment comment = new ReviewComment(path, side, line, endLine == null ? line : endLine, string(body, "text"));
        SessionMessage m = service.comment(actor(ctx), ctx.pathParam("id"), comment);
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
        onlyFields(body, Set.of("prompt"));
        String prompt = string(body, "prompt");
        if (prompt != null && prompt.isBlank()) {
            throw new InvalidRequestException("prompt", "prompt must not be blank");
        }
        Session created = service.retry(actor(ctx), ctx.pathParam("id"), prompt);
        ctx.header("Location", "/api/sessions/" + created.id());
        json(ctx, 201, one(SessionView.of(created, service.conversationOf(created))));
    }

    private void repos(Context ctx) {
        int limit = dev.magnet.web.Requests.intParam(ctx, "limit", 100, 1, 500);
        json(ctx, 200, Map.of("repos", service.repos(actor(ctx), limit)));
    }

    /** The answer of Magnet's documented create, get and update: the session under {@code session}. */
    private static Map<String, SessionView> one(SessionView view) {
        return Map.of("session", view);
    }

    private static Status status(String wire) {
        try {
            return Status.fromWire(wire.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("status", "status must be active, completed or failed");
        }
    }

    /** The caller, after checking the {@code organizationId} and {@code workspaceId} query parameters name its workspace. */
    private static Actor workspaceActor(Context ctx) {
        Actor actor = actor(ctx);
        requireOwnWorkspace(actor, "organizationId", ctx.queryParam("organizationId"));
        requireOwnWorkspace(actor, "workspaceId", ctx.queryParam("workspaceId"));
        return actor;
    }

    /**
     * Refuses an organization (Magnet's word for a workspace) that is not the caller's with 403, as Magnet's reference
     * documents for one the caller is not a member of; the same answer whether it exists or not.
     */
    private static void requireOwnWorkspace(Actor actor, String field, String value) {
        if (value == null) {
            return;
        }
        if (value.isBlank()) {
            throw new InvalidRequestException(field, field + " must not be blank");
        }
        if (!value.strip().equals(actor.workspaceId())) {
            throw new ForbiddenException("you are not a member of " + field + " " + value.strip()
                    + "; a credential reaches its own workspace only");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

}
