package dev.magnet.auth;

import dev.magnet.crypto.Tokens;
import dev.magnet.store.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * API keys (table {@code api_keys}): shown once at creation, stored only as a SHA-256 hash with a visible
 * prefix. Keys carry 256 bits of entropy, so a fast hash is enough: nothing can be guessed from it.
 */
public final class ApiKeys {
    public static final String KEY_PREFIX = "mgt_";
    public static final int VISIBLE_PREFIX = 12;
    // why: one write per request would make every API call a database write; a minute is precise enough
    private static final Duration LAST_USED_PRECISION = Duration.ofMinutes(1);
    private static final String INFO_COLUMNS = """
            k.id, k.name, k.prefix, k.user_id, u.name, k.created_at, k.last_used_at, k.revoked_at, k.rate_limit_per_minute
            """;
    private final Jdbi jdbi;
    private final Clock clock;

    public ApiKeys(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A fresh random key in the shape Magnet issues. */
    public static String newKey() {
        return KEY_PREFIX + Tokens.random(32);
    }

    /** Stores a key (already generated or given by the operator) for a member of a workspace; returns its id. */
    public String store(Handle h, String workspaceId, String userId, String name, String key) {
        return store(h, workspaceId, userId, name, key, null);
    }

    /** Stores a key with its own rate limit (null: the server default); returns its id. */
    public String store(Handle h, String workspaceId, String userId, String name, String key, Integer ratePerMinute) {
        String id = Ids.newId();
        h.createUpdate("""
                insert into api_keys (id, workspace_id, user_id, name, prefix, key_hash, created_at, rate_limit_per_minute)
                values (:id, :ws, :user, :name, :prefix, :hash, :at, :rate)
                """)
                .bind("id", id)
                .bind("ws", workspaceId)
                .bind("user", userId)
                .bind("name", name)
                .bind("prefix", key.substring(0, Math.min(VISIBLE_PREFIX, key.length())))
                .bind("hash", hash(key))
                .bind("at", clock.instant())
                .bind("rate", ratePerMinute)
                .execute();
        return id;
    }

    /** The actor a presented key stands for, or empty when it is unknown, revoked or its owner left the workspace. */
    public Optional<AuthenticatedKey> authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.isBlank() || presentedKey.length() > 200) {
            return Optional.empty();
        }
        String hash = hash(presentedKey);
        return jdbi.withHandle(h -> {
            Optional<AuthenticatedKey> found = h.createQuery("""
                    select k.user_id, u.name, u.email, k.workspace_id, m.role, k.id, k.rate_limit_per_minute
                    from api_keys k
                    join users u on u.id = k.user_id
                    join memberships m on m.workspace_id = k.workspace_id and m.user_id = k.user_id
                    where k.key_hash = :hash and k.revoked_at is null
                    """)
                    .bind("hash", hash)
                    .map((rs, ctx) -> new AuthenticatedKey(
                            new Actor(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                                    rs.getString(6)),
                            (Integer) rs.getObject(7)))
                    .findOne();
            if (found.isPresent()) {
                Instant now = clock.instant();
                h.createUpdate("""
                        update api_keys set last_used_at = :at
                        where key_hash = :hash and (last_used_at is null or last_used_at < :stale)
                        """)
                        .bind("at", now).bind("hash", hash).bind("stale", now.minus(LAST_USED_PRECISION)).execute();
            }
            return found;
        });
    }

    /** Whether a key still authenticates: it is not revoked and its owner is still a member of its workspace. */
    public boolean isUsable(String keyId) {
        return jdbi.withHandle(h -> h.createQuery("""
                select count(*) from api_keys k
                join memberships m on m.workspace_id = k.workspace_id and m.user_id = k.user_id
                where k.id = :id and k.revoked_at is null
                """).bind("id", keyId).mapTo(Long.class).one() > 0);
    }

    /** Keys of a workspace, newest first; only those of {@code userId} when it is not null. */
    public List<ApiKeyInfo> list(Handle h, String workspaceId, String userId) {
        return h.createQuery("select " + INFO_COLUMNS + " from api_keys k join users u on u.id = k.user_id"
                        + " where k.workspace_id = :ws" + (userId == null ? "" : " and k.user_id = :user")
                        + " order by k.id desc")
                .bind("ws", workspaceId).bind("user", userId)
                .map((rs, ctx) -> info(rs)).list();
    }

    public Optional<ApiKeyInfo> find(Handle h, String workspaceId, String keyId) {
        return h.createQuery("select " + INFO_COLUMNS + " from api_keys k join users u on u.id = k.user_id"
                        + " where k.workspace_id = :ws and k.id = :id")
                .bind("ws", workspaceId).bind("id", keyId)
                .map((rs, ctx) -> info(rs)).findOne();
    }

    /** Marks the key revoked; from then on it authenticates nothing. False when it was revoked already. */
    public boolean revoke(Handle h, String workspaceId, String keyId) {
        return h.createUpdate("update api_keys set revoked_at = :at where workspace_id = :ws and id = :id and revoked_at is null")
                .bind("at", clock.instant()).bind("ws", workspaceId).bind("id", keyId).execute() == 1;
    }

    /** Revokes every key a user holds in a workspace (when the user leaves it). */
    public void revokeAllOf(Handle h, String workspaceId, String userId) {
        h.createUpdate("update api_keys set revoked_at = :at where workspace_id = :ws and user_id = :user and revoked_at is null")
                .bind("at", clock.instant()).bind("ws", workspaceId).bind("user", userId).execute();
    }

    static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
    }

    private static ApiKeyInfo info(ResultSet rs) throws SQLException {
        return new ApiKeyInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7)), instant(rs.getTimestamp(8)),
                (Integer) rs.getObject(9));
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }

    /** A key that authenticated: who it stands for and its own rate limit (null: the server default). */
    public record AuthenticatedKey(Actor actor, Integer ratePerMinute) {
    }
}
