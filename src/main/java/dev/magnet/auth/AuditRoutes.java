package dev.magnet.auth;

import dev.magnet.store.Ids;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.Requests;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The workspace's audit log, newest first, for its admins. */
public final class AuditRoutes {
    private final AuditLog audit;

    public AuditRoutes(AuditLog audit) {
        this.audit = audit;
    }

    public void register(RouteTable routes) {
        routes.get("/api/audit", this::list);
    }

    private void list(Context ctx) {
        Actor actor = Callers.admin(ctx);
        int limit = Requests.intParam(ctx, "limit", 100, 1, AuditLog.MAX_LIMIT);
        String before = blankToNull(ctx.queryParam("before"));
        if (before != null && !Ids.isWellFormed(before)) {
            throw new InvalidRequestException("before", "before must be the id of an audit entry");
        }
        String action = blankToNull(ctx.queryParam("action"));
        if (action != null && !action.matches("[a-z_]{1,30}\\.[a-z_]{1,30}")) {
            throw new InvalidRequestException("action", "action must look like session.create");
        }
        List<AuditEntry> entries = audit.list(actor.workspaceId(), action, before, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("entries", entries.stream().map(AccountViews::audit).toList());
        out.put("nextBefore", entries.size() == limit ? entries.get(entries.size() - 1).id() : null);
        Requests.json(ctx, 200, out);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
