package dev.magnet.session;

import java.util.Locale;

/**
 * Why a session failed (SPEC §1). {@code IMAGE_PULL_FAILED}, {@code UNSCHEDULABLE}, {@code EVICTED} and {@code OOM_KILLED}
 * are what a Kubernetes session pod reports, more precise than {@code SANDBOX_FAILED}.
 */
public enum FailureReason {
    SANDBOX_FAILED, CLONE_FAILED, SETUP_FAILED, MODEL_AUTH_FAILED, MODEL_UNAVAILABLE, AGENT_ERROR,
    PUSH_REJECTED, PR_FAILED, CANCELLED, TIMEOUT, BUDGET_EXCEEDED, LOST,
    IMAGE_PULL_FAILED, UNSCHEDULABLE, EVICTED, OOM_KILLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FailureReason fromWire(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
