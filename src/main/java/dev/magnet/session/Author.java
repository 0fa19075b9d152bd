package dev.magnet.session;

/** Who created a session or sent a message. */
public record Author(String id, String name, String email) {
}
