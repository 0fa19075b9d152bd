package dev.magnet.auth;

import dev.magnet.crypto.Tokens;
import dev.magnet.store.Ids;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Invite links (table {@code invites}): a random token, shown once to the admin who made it and stored only as
 * a hash; valid for {@link #LIFETIME} and for one acceptance.
 */
public final class Invites {
    public static final Duration LIFETIME = Duration.ofDays(7);
    private static final String COLUMNS = """
            i.id, i.workspace_id, w.name, i.role, i.email, i.created_at, i.expires_at, i.accepted_at, i.revoked_at
            """;
    private final Clock clock;

    public Invites(Clock clock) {
        this.clock = clock;
    }

    /** Creates an invite; returns it with the token that makes up the link. */
    public Created create(Handle h, String workspaceId, Role role, String email, String createdBy) {
        String id = Ids.newId();
        String token = Tokens.random(32);
        Instant now = clock.instant();
        h.createUpdate("""
                insert into invites (id, workspace_id, token_hash, role, email, created_by, created_at, expires_at)
                values (:id, :ws, :hash, :role, :email, :by, :at, :expires)
                """)
                .bind("id", id).bind("ws", workspaceId).bind("hash", ApiKeys.hash(token)).bind("role", role.wire())
                .bind("email", Accounts.normalizeEmail(email)).bind("by", createdBy).bind("at", now)
                .bind("expires", now.plus(LIFETIME)).execute();
        return new Created(find(h, workspaceId, id).orElseThrow(), token);
    }

    public Optional<Invite> byToken(Handle h, String token) {
        if (token == null || token.isBlank() || token.length() > 100) {
            return Optional.empty();
        }
        return h.createQuery("select " + COLUMNS + " from invites i join workspaces w on w.id = i.workspace_id"
                        + " where i.token_hash = :hash")
                .bind("hash", ApiKeys.hash(token)).map((rs, ctx) -> invite(rs)).findOne();
    }

    public Optional<Invite> find(Handle h, String workspaceId, String id) {
        return h.createQuery("select " + COLUMNS + " from invites i join workspaces w on w.id = i.workspace_id"
                        + " where i.workspace_id = :ws and i.id = :id")
                .bind("ws", workspaceId).bind("id", id).map((rs, ctx) -> invite(rs)).findOne();
    }

    public List<Invite> list(Handle h, String workspaceId) {
        return h.createQuery("select " + COLUMNS + " from invites i join workspaces w on w.id = i.workspace_id"
                        + " where i.workspace_id = :ws order by i.id desc")
                .bind("ws", workspaceId).map((rs, ctx) -> invite(rs)).list();
    }

    /** Marks a pending invite accepted by the user; false when someone else took it first. */
    public boolean accept(Handle h, String id, String userId) {
        return h.createUpdate("""
                update invites set accepted_by = :user, accepted_at = :at
                where id = :id and accepted_at is null and revoked_at is null and expires_at > :at
                """)
                .bind("user", userId).bind("at", clock.instant()).bind("id", id).execute() == 1;
    }

    public boolean revoke(Handle h, String workspaceId, String id) {
        return h.createUpdate("update invites set revoked_at = :at where workspace_id = :ws and id = :id"
                        + " and accepted_at is null and revoked_at is null")
                .bind("at", clock.instant()).bind("ws", workspaceId).bind("id", id).execute() == 1;
    }

    private Invite invite(ResultSet rs) throws SQLException {
        Instant expires = rs.getTimestamp(7).toInstant();
        String state = rs.getTimestamp(8) != null ? "accepted" : rs.getTimestamp(9) != null ? "revoked"
                : expires.isBefore(clock.instant()) ? "expired" : "pending";
        return new Invite(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getTimestamp(6).toInstant(), expires, state);
    }

    /** A new invite and its token (shown once). */
    public record Created(Invite invite, String token) {
    }
}
