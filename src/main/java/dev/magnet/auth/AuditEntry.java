package dev.magnet.auth;

import java.time.Instant;

/**
 * One line of a workspace's audit log: who ({@code actorId}, {@code actorName}, and the API key when one was
 * used) did what ({@code action}, e.g. {@code session.create}) to which thing ({@code targetType},
 * {@code targetId}), with an optional short detail.
 */
public record AuditEntry(String id, Instant at, String actorId, String actorName, String apiKeyId, String action,
                         String targetType, String targetId, String detail) {
}
