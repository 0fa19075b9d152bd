package dev.magnet.session;

/** Team figures over the past week (SPEC §4 list stats). */
public record SessionStats(long sessionsThisWeek, long mergedPrsThisWeek, long activeAuthors, long activeNow) {
}
