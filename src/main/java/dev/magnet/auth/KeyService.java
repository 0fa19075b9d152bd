package dev.magnet.auth;

import dev.magnet.store.Ids;
import dev.magnet.web.ConflictException;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.NotFoundException;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * API keys as members manage them: every member creates keys in the current workspace and sees and revokes
 * their own; admins see and revoke everyone's. Another member's key is not found for a member.
 */
public final class KeyService {
    public static final int MAX_RATE_PER_MINUTE = 100_000;
    private final Jdbi jdbi;
    private final ApiKeys keys;
    private final AuditLog audit;

    public KeyService(Jdbi jdbi, ApiKeys keys, AuditLog audit) {
        this.jdbi = jdbi;
        this.keys = keys;
        this.audit = audit;
    }

    /** Creates a key for the caller in the caller's workspace; the key itself is in the result and nowhere else. */
    public CreatedKey create(Actor actor, String name, Integer ratePerMinute) {
        String valid = AccountService.requireName(name, "name");
        if (ratePerMinute != null && (ratePerMinute < 1 || ratePerMinute > MAX_RATE_PER_MINUTE)) {
            throw new InvalidRequestException("rateLimitPerMinute", "rateLimitPerMinute must be between 1 and " + MAX_RATE_PER_MINUTE);
        }
        String key = ApiKeys.newKey();
        return jdbi.inTransaction(h -> {
            String id = keys.store(h, actor.workspaceId(), actor.userId(), valid, key, ratePerMinute);
            audit.record(h, actor, "key.create", "api_key", id, valid);
            return new CreatedKey(keys.find(h, actor.workspaceId(), id).orElseThrow(), key);
        });
    }

    /** The caller's keys; with {@code everyone}, all keys of the workspace (admins only). */
    public List<ApiKeyInfo> list(Actor actor, boolean everyone) {
        if (everyone) {
            AccountService.requireAdmin(actor);
        }
        return jdbi.withHandle(h -> keys.list(h, actor.workspaceId(), everyone ? null : actor.userId()));
    }

    public ApiKeyInfo get(Actor actor, String keyId) {
        return jdbi.withHandle(h -> visible(h, actor, keyId));
    }

    /**
     * Revokes a key: from the next request on it authenticates nothing.
     *
     * @throws NotFoundException when the key is not the caller's (or, for an admin, not in the workspace)
     * @throws ConflictException when it was revoked already
     */
    public ApiKeyInfo revoke(Actor actor, String keyId) {
        return jdbi.inTransaction(h -> {
            visible(h, actor, keyId);
            if (!keys.revoke(h, actor.workspaceId(), keyId)) {
                throw new ConflictException("key " + keyId + " is already revoked");
            }
            audit.record(h, actor, "key.revoke", "api_key", keyId, null);
            return keys.find(h, actor.workspaceId(), keyId).orElseThrow();
        });
    }

    private ApiKeyInfo visible(org.jdbi.v3.core.Handle h, Actor actor, String keyId) {
        if (!Ids.isWellFormed(keyId)) {
            throw new NotFoundException("no key " + keyId);
        }
        return keys.find(h, actor.workspaceId(), keyId)
                .filter(k -> actor.isAdmin() || k.userId().equals(actor.userId()))
                .orElseThrow(() -> new NotFoundException("no key " + keyId));
    }

    /** A new key's details and the key itself, shown this once. */
    public record CreatedKey(ApiKeyInfo info, String key) {
    }
}
