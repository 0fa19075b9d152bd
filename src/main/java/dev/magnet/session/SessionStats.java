package dev.magnet.session;

/**
 * Team figures over the past week, with Magnet's documented meanings: pull requests merged, people who started a
 * session, people who sent any message (a prompt or a follow-up), and people prompting a session that is active now;
 * plus how many sessions started and how many are active.
 */
public record SessionStats(long mergesPastWeek, long authorsPastWeek, long humansPastWeek, long humansPromptingNow,
                           long sessionsPastWeek, long activeSessions) {
}
