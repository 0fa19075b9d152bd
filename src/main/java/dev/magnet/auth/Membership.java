package dev.magnet.auth;

/** One of a user's workspaces and the role the user has there. */
public record Membership(String workspaceId, String workspaceName, String role) {
}
