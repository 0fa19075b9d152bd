package dev.magnet.auth;

import dev.magnet.store.Ids;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The audit log of each workspace (table {@code audit_log}): append-only, readable by the workspace's admins.
 * Actions are dotted names: {@code session.create}, {@code session.message}, {@code session.interrupt},
 * {@code session.cancel}, {@code session.retry}, {@code key.create}, {@code key.revoke}, {@code member.invite},
 * {@code member.join}, {@code member.role}, {@code member.remove}, {@code github.integration.save|replace|remove|test|refused},
 * {@code github.link}, {@code github.unlink} (and those their own classes name: {@code workspace.rename}, {@code webhook.*},
 * {@code environment.*}, {@code github.trigger_ignored}).
 */
public final class AuditLog {
    public static final int MAX_LIMIT = 500;
    private static final int MAX_DETAIL = 2000;
    private final Jdbi jdbi;
    private final Clock clock;

    public AuditLog(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Records an action of {@code actor} in the actor's workspace. */
    public void record(Actor actor, String action, String targetType, String targetId, String detail) {
        jdbi.useHandle(h -> record(h, actor, action, targetType, targetId, detail));
    }

    /** Records an action within the caller's transaction. */
    public void record(Handle h, Actor actor, String action, String targetType, String targetId, String detail) {
        h.createUpdate("""
                insert into audit_log (id, workspace_id, at, actor_id, actor_name, api_key_id, action, target_type, target_id, detail)
                values (:id, :ws, :at, :actor, :name, :key, :action, :type, :target, :detail)
                """)
                .bind("id", Ids.newId()).bind("ws", actor.workspaceId()).bind("at", clock.instant())
                .bind("actor", actor.userId()).bind("name", actor.userName()).bind("key", actor.apiKeyId())
                .bind("action", action).bind("type", targetType).bind("target", targetId)
                .bind("detail", detail == null || detail.length() <= MAX_DETAIL ? detail : detail.substring(0, MAX_DETAIL))
                .execute();
    }

    /** Entries of a workspace, newest first, older than {@code before} (an entry id) when it is not null. */
    public List<AuditEntry> list(String workspaceId, String action, String before, int limit) {
        return jdbi.withHandle(h -> h.createQuery("select id, at, actor_id, actor_name, api_key_id, action, target_type,"
                        + " target_id, detail from audit_log where workspace_id = :ws"
                        + (action == null ? "" : " and action = :action")
                        + (before == null ? "" : " and id < :before")
                        + " order by id desc limit :limit")
                .bind("ws", workspaceId).bind("action", action).bind("before", before).bind("limit", limit)
                .map((rs, ctx) -> {
                    Timestamp at = rs.getTimestamp(2);
                    return new AuditEntry(rs.getString(1), at.toInstant(), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9));
                })
                .list());
    }
}
