package dev.magnet.auth;

import java.time.Instant;

/**
 * What may be shown about an API key after its creation: never the key itself, only its visible prefix.
 *
 * @param rateLimitPerMinute the key's own limit, or null for the server default
 */
public record ApiKeyInfo(String id, String name, String prefix, String userId, String userName, Instant createdAt,
                         Instant lastUsedAt, Instant revokedAt, Integer rateLimitPerMinute) {
}
