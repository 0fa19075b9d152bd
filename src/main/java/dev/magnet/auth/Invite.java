package dev.magnet.auth;

import java.time.Instant;

/**
 * An invitation to join a workspace with a role. {@code email}, when set, is the only address that may accept
 * it. {@code state} is {@code pending}, {@code accepted}, {@code revoked} or {@code expired}.
 */
public record Invite(String id, String workspaceId, String workspaceName, String role, String email, Instant createdAt,
                     Instant expiresAt, String state) {
    public boolean isPending() {
        return "pending".equals(state);
    }
}
