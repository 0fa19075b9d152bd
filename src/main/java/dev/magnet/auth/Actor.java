package dev.magnet.auth;

/** Who is calling: a user acting in one workspace (with the API key or browser session that proved it). */
public record Actor(String userId, String userName, String userEmail, String workspaceId, String role) {
}
