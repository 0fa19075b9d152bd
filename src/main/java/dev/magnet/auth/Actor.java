package dev.magnet.auth;

/**
 * Who is calling: a user acting in one workspace with a role there, proved by an API key ({@code apiKeyId} set)
 * or by a browser session ({@code apiKeyId} null).
 */
public record Actor(String userId, String userName, String userEmail, String workspaceId, String role, String apiKeyId) {

    /** An actor proved by a browser session, or built by the server itself. */
    public Actor(String userId, String userName, String userEmail, String workspaceId, String role) {
        this(userId, userName, userEmail, workspaceId, role, null);
    }

    public boolean isAdmin() {
        return Role.ADMIN.wire().equals(role);
    }

    public boolean viaApiKey() {
        return apiKeyId != null;
    }
}
