package dev.magnet.runner;

import dev.magnet.session.FailureReason;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The wall-clock limits of one run of a session ({@code MAGNET_SESSION_TIMEOUT_SECONDS}) and of each turn in it
 * ({@code MAGNET_TURN_TIMEOUT_SECONDS}), and what the agent was running, so that a session past a limit fails
 * {@code timeout} saying what it was doing. Not thread-safe: the session's workflow thread owns it.
 */
final class TimeLimits {
    private final Duration turnLimit;
    private final Duration sessionLimit;
    private final Instant runDeadline;
    private Instant turnStartedAt;
    private String running;

    TimeLimits(Duration turnLimit, Duration sessionLimit, Instant runStartedAt) {
        this.turnLimit = turnLimit;
        this.sessionLimit = sessionLimit;
        this.runDeadline = runStartedAt.plus(sessionLimit);
    }

    /** A message was given to the agent: a turn runs from now unless one already does. */
    void turnStarted(Instant at) {
        if (turnStartedAt == null) {
            turnStartedAt = at;
        }
    }

    /** A turn ended; when {@code another} is true the agent already has the next message and goes on at once. */
    void turnEnded(Instant at, boolean another) {
        turnStartedAt = another ? at : null;
        running = null;
    }

    /** The agent started a tool, described for people (e.g. {@code Bash: make test}). */
    void toolStarted(String description) {
        running = description;
    }

    /** The agent's tool came back. */
    void toolEnded() {
        running = null;
    }

    /** The failure when a limit has passed at {@code now}. */
    Optional<StepFailure> passed(Instant now) {
        return passed(now, Optional.empty());
    }

    /**
     * The failure when a limit has passed at {@code now}; {@code modelWait} is how long the agent's oldest model
     * request still open has waited for its answer (from the model relay), named when no tool runs.
     */
    Optional<StepFailure> passed(Instant now, Optional<Duration> modelWait) {
        if (turnStartedAt != null && !now.isBefore(turnStartedAt.plus(turnLimit))) {
            return Optional.of(new StepFailure(FailureReason.TIMEOUT, "The turn ran for more than " + human(turnLimit)
                    + " and was stopped" + doing(modelWait) + ". Raise MAGNET_TURN_TIMEOUT_SECONDS if turns need longer, "
                    + "then retry."));
        }
        if (!now.isBefore(runDeadline)) {
            return Optional.of(new StepFailure(FailureReason.TIMEOUT, "The session ran for more than " + human(sessionLimit)
                    + " and was stopped" + doing(modelWait) + ". Raise MAGNET_SESSION_TIMEOUT_SECONDS if sessions need "
                    + "longer, then retry."));
        }
        return Optional.empty();
    }

    /** How long from {@code now} until the next limit passes, at most {@code max}. */
    Duration untilNext(Instant now, Duration max) {
        Instant next = runDeadline;
        if (turnStartedAt != null && turnStartedAt.plus(turnLimit).isBefore(next)) {
            next = turnStartedAt.plus(turnLimit);
        }
        Duration left = Duration.between(now, next);
        return left.isNegative() ? Duration.ZERO : left.compareTo(max) < 0 ? left : max;
    }

    private String doing(Optional<Duration> modelWait) {
        if (running != null) {
            return " (it was running " + running + ")";
        }
        return modelWait.map(w -> " (it was waiting for the model API, which had not finished answering a request made "
                + human(w) + " before)").orElse("");
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return d.toMillis() + " ms";
        }
        return s % 3600 == 0 ? s / 3600 + " h" : s % 60 == 0 ? s / 60 + " min" : s + " s";
    }
}
