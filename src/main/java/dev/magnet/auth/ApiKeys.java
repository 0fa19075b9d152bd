package dev.magnet.auth;

import dev.magnet.support.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * API keys (table {@code api_keys}): shown once at creation, stored only as a SHA-256 hash with a visible
 * prefix. Keys carry 256 bits of entropy, so a fast hash is enough: nothing can be guessed from it.
 */
public final class ApiKeys {
    public static final String KEY_PREFIX = "mgt_";
    private final Jdbi jdbi;
    private final Clock clock;

    public ApiKeys(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A fresh random key in the shape Magnet issues. */
    public static String newKey() {
        return KEY_PREFIX + Ids.secret(32);
    }

    /** Stores a key (already generated or given by the operator) for a member of a workspace. */
    public void store(Handle h, String workspaceId, String userId, String name, String key) {
        h.createUpdate("""
                insert into api_keys (id, workspace_id, user_id, name, prefix, key_hash, created_at)
                values (:id, :ws, :user, :name, :prefix, :hash, :at)
                """)
                .bind("id", Ids.newId())
                .bind("ws", workspaceId)
                .bind("user", userId)
                .bind("name", name)
                .bind("prefix", key.substring(0, Math.min(8, key.length())))
                .bind("hash", hash(key))
                .bind("at", clock.instant())
                .execute();
    }

    /** The actor a presented key stands for, or empty when it is unknown or revoked. */
    public Optional<Actor> authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.isBlank() || presentedKey.length() > 200) {
            return Optional.empty();
        }
        String hash = hash(presentedKey);
        return jdbi.withHandle(h -> {
            Optional<Actor> actor = h.createQuery("""
                    select k.user_id, u.name, u.email, k.workspace_id, m.role
                    from api_keys k
                    join users u on u.id = k.user_id
                    join memberships m on m.workspace_id = k.workspace_id and m.user_id = k.user_id
                    where k.key_hash = :hash and k.revoked_at is null
                    """)
                    .bind("hash", hash)
                    .map((rs, ctx) -> new Actor(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)))
                    .findOne();
            actor.ifPresent(a -> h.createUpdate("update api_keys set last_used_at = :at where key_hash = :hash")
                    .bind("at", clock.instant()).bind("hash", hash).execute());
            return actor;
        });
    }

    static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
    }
}
