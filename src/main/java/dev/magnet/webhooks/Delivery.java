package dev.magnet.webhooks;

import java.time.Instant;
import java.util.List;

/**
 * One delivery of an event to an endpoint: pending (to be tried at {@code nextAttemptAt}), delivered (an answer in
 * 2xx), or failed (no 2xx answer within the retry period); with the last answer and, when asked for, every attempt.
 */
public record Delivery(String id, String endpointId, String event, String sessionId, State state, int attempts,
                       Instant nextAttemptAt, Instant createdAt, Instant lastAttemptAt, Integer responseStatus,
                       String responseBody, String error, String redeliveryOf, String payload, List<Attempt> history) {

    /** Where a delivery stands. */
    public enum State {
        PENDING, DELIVERED, FAILED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One try: the answer's status and body (cut), or why there was none. */
    public record Attempt(int attempt, Instant at, Integer responseStatus, String responseBody, String error, long durationMs) {
    }
}
