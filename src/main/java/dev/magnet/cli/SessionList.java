package dev.magnet.cli;

import java.util.List;

/** One page of {@code GET /api/sessions}: the sessions, the cursor of the next page, and stats. */
record SessionList(List<SessionAnswer> sessions, String nextCursor, Stats stats) {

    SessionList {
        sessions = sessions == null ? List.of() : List.copyOf(sessions);
    }

    /** Figures about the workspace: the past week and right now. */
    record Stats(Long sessionsThisWeek, Long mergedPrsThisWeek, Long activeAuthors, Long activeNow) {
    }
}
