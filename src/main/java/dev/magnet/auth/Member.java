package dev.magnet.auth;

/** A member of a workspace, as admins and members see the member list. */
public record Member(String userId, String name, String email, String role) {
}
