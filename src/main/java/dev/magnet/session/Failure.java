package dev.magnet.session;

import java.util.Objects;

/** A typed failure: the reason, a message for people, and the phase it happened in. */
public record Failure(FailureReason reason, String message, Phase phase) {
    public Failure {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(phase, "phase");
    }
}
