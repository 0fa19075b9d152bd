package dev.magnet.session;

import java.time.Instant;

/**
 * A user message to the agent: the prompt or a follow-up. Queued until the agent takes it, then delivered;
 * a queued message survives any restart and is sent to the next agent process.
 */
public record SessionMessage(String id, String sessionId, Author author, String text, State state, Instant createdAt) {
    public enum State { QUEUED, DELIVERED }
}
