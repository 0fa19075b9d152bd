package dev.magnet.cli;

import java.time.Instant;
import java.util.List;

/**
 * A session as the server shows it (SPEC §4). Every field may be missing in an answer; the
 * printers cope with nulls. {@code tasks} is only sent for a single session.
 */
record SessionAnswer(
        String id,
        String title,
        String status,
        String phase,
        Failure failure,
        String prompt,
        String repo,
        String baseBranch,
        String branch,
        String model,
        Author author,
        Instant createdAt,
        Instant updatedAt,
        PullRequest pr,
        String retryOf,
        Integer messageCount,
        Cost cost,
        List<PhaseEntry> phases,
        List<Task> tasks) {

    SessionAnswer {
        phases = phases == null ? List.of() : List.copyOf(phases);
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    /** Why a session failed: a typed reason, a human message, and the phase it failed in. */
    record Failure(String reason, String message, String phase) {

        /** {@code clone_failed in cloning: repository not found}, leaving out what is missing. */
        String describe() {
            StringBuilder text = new StringBuilder(reason == null ? "failed" : reason);
            if (phase != null) {
                text.append(" in ").append(phase);
            }
            if (!Formats.isBlank(message)) {
                text.append(": ").append(message);
            }
            return text.toString();
        }
    }

    /** Who created the session. */
    record Author(String id, String name) {
    }

    /** The session's pull request; {@code state} is {@code open}, {@code merged} or {@code closed}. */
    record PullRequest(Integer number, String url, String state) {
    }

    /** What the agent reported spending. */
    record Cost(Double usd, Long inputTokens, Long outputTokens) {
    }

    /** One step of the session's history: a phase (or status) reached at a time, with a reason. */
    record PhaseEntry(String phase, String status, Instant at, String reason) {
    }

    /** One entry of the agent's task list; {@code status} is {@code pending|in_progress|completed}. */
    record Task(String id, String title, String status) {
    }
}
