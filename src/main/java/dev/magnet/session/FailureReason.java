package dev.magnet.session;

import java.util.Locale;

/** Why a session failed (SPEC §1). */
public enum FailureReason {
    SANDBOX_FAILED, CLONE_FAILED, SETUP_FAILED, MODEL_AUTH_FAILED, MODEL_UNAVAILABLE, AGENT_ERROR,
    PUSH_REJECTED, PR_FAILED, CANCELLED, TIMEOUT, BUDGET_EXCEEDED, LOST;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FailureReason fromWire(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
