package dev.magnet.cli;

import java.time.Duration;

/**
 * How {@code follow} waits between reconnects: {@code initial}, doubling up to {@code max}, for at
 * most {@code maxAttempts} attempts in a row that receive nothing.
 */
record Backoff(Duration initial, Duration max, int maxAttempts) {

    /** 0.5s, 1s, 2s … 10s; about five minutes of a server that stays away before giving up. */
    static final Backoff DEFAULT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10), 33);

    Backoff {
        if (initial.isNegative() || max.compareTo(initial) < 0 || maxAttempts < 1) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max and maxAttempts >= 1");
        }
    }

    /** The wait before attempt {@code attempt} (1 for the first retry). */
    Duration delay(int attempt) {
        Duration delay = initial;
        for (int i = 1; i < attempt && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }
}
