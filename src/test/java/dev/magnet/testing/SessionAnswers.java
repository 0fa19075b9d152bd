package dev.magnet.testing;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a session out of an answer of the session routes: create, get, patch and retry answer {@code {"session": …}}
 * as Magnet's API reference documents. Tests read sessions through this (or the helpers of {@link TestServer} and
 * {@link ChildServer} that use it) and never parse those answers themselves.
 */
public final class SessionAnswers {
    private SessionAnswers() {
    }

    /** The session of the answer; fails when it has none (a problem, or a shape the API no longer gives). */
    public static JsonNode session(JsonNode answer) {
        JsonNode session = answer.path("session");
        if (!session.isObject()) {
            throw new AssertionError("the answer holds no session: " + answer);
        }
        return session;
    }
}
