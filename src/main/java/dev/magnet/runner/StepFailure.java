package dev.magnet.runner;

import dev.magnet.session.FailureReason;

/** A phase could not be done; the session fails with this reason and message. */
final class StepFailure extends Exception {
    private final FailureReason reason;

    StepFailure(FailureReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    StepFailure(FailureReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    FailureReason reason() {
        return reason;
    }
}
