package dev.magnet.cli;

import java.util.List;

/** One page of {@code GET /api/sessions}: the sessions, the cursor of the next page, and stats. */
record SessionList(List<SessionAnswer> sessions, String nextCursor, Stats stats) {

    SessionList {
        sessions = sessions == null ? List.of() : List.copyOf(sessions);
    }

    /** Figures about the workspace, with Magnet's documented names: the past week and right now (people, not sessions). */
    record Stats(Long mergesPastWeek, Long authorsPastWeek, Long humansPastWeek, Long humansPromptingNow, Long sessionsPastWeek,
                 Long activeSessions) {
    }
}
