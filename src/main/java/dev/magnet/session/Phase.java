package dev.magnet.session;

import java.util.Locale;
import java.util.Set;

/**
 * The detail of an active session (SPEC §1): queued → provisioning → cloning → setting_up → running →
 * finishing → done; and {@code waiting}: an agent that waits for a message was parked (its process stopped, its run
 * slot given up) until a message comes. Each phase knows which it may move to.
 */
public enum Phase {
    QUEUED, PROVISIONING, CLONING, SETTING_UP, RUNNING, WAITING, FINISHING, DONE;

    /** Whether a session in this phase may move to {@code next}. */
    public boolean canMoveTo(Phase next) {
        return allowedNext().contains(next);
    }

    private Set<Phase> allowedNext() {
        return switch (this) {
            // why: QUEUED -> QUEUED and PROVISIONING -> PROVISIONING happen when a runner restarts preparation
            case QUEUED -> Set.of(QUEUED, PROVISIONING);
            case PROVISIONING -> Set.of(PROVISIONING, CLONING);
            case CLONING -> Set.of(SETTING_UP, PROVISIONING);
            case SETTING_UP -> Set.of(RUNNING, PROVISIONING);
            // why: RUNNING -> RUNNING is a resume (after an idle sandbox or a restart)
            case RUNNING -> Set.of(RUNNING, WAITING, FINISHING);
            // why: a message to a parked session sends it back to work, resumed where it waited
            case WAITING -> Set.of(RUNNING);
            // why: a follow-up that arrives while finishing sends the session back to work
            case FINISHING -> Set.of(RUNNING, DONE);
            // why: a follow-up to a completed session resumes it
            case DONE -> Set.of(RUNNING);
        };
    }

    /** True for the phases before the agent first runs: work that can be redone from scratch. */
    public boolean isPreparation() {
        return this == QUEUED || this == PROVISIONING || this == CLONING || this == SETTING_UP;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Phase fromWire(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
