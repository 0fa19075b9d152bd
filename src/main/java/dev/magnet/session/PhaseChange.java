package dev.magnet.session;

import java.time.Instant;

/** One step of a session's history: the status and phase it entered, why, and when. */
public record PhaseChange(Status status, Phase phase, String reason, Instant at) {
}
