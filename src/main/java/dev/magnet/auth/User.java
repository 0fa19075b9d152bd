package dev.magnet.auth;

/** A person who signs in (or owns API keys). The password hash never leaves the {@code auth} package. */
public record User(String id, String name, String email) {
}
