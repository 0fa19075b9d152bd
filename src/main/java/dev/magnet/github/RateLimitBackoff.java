package dev.magnet.github;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How long to wait before trying a GitHub call again after a rate limit: what GitHub's headers say
 * ({@code Retry-After}, else {@code X-RateLimit-Reset} when {@code X-RateLimit-Remaining} is 0), never less
 * than an exponential backoff (1 s, 2 s, 4 s, ...), and not at all once that exceeds the longest wait allowed
 * or the attempts are used up.
 */
final class RateLimitBackoff {
    static final int MAX_ATTEMPTS = 5;

    private final Clock clock;
    private final Duration maxWait;

    RateLimitBackoff(Clock clock, Duration maxWait) {
        this.clock = clock;
        this.maxWait = maxWait;
    }

    /** True when the answer is one of GitHub's rate limits (primary or secondary). */
    static boolean isRateLimit(int status, Map<String, List<String>> headers) {
        if (status == 429) {
            return true;
        }
        return status == 403 && ("0".equals(header(headers, "x-ratelimit-remaining")) || header(headers, "retry-after") != null);
    }

    /**
     * The wait before attempt {@code attempt + 1} (0-based), or empty when the call should fail now: not a rate
     * limit, out of attempts, or a reset further away than the longest wait.
     */
    Optional<Duration> waitBefore(int attempt, int status, Map<String, List<String>> headers) {
        if (!isRateLimit(status, headers) || attempt + 1 >= MAX_ATTEMPTS) {
            return Optional.empty();
        }
        Duration backoff = Duration.ofSeconds(1L << Math.min(attempt, 10));
        Duration told = Duration.ZERO;
        String retryAfter = header(headers, "retry-after");
        String reset = header(headers, "x-ratelimit-reset");
        try {
            if (retryAfter != null) {
                told = Duration.ofSeconds(Long.parseLong(retryAfter.strip()));
            } else if (reset != null && "0".equals(header(headers, "x-ratelimit-remaining"))) {
                // why: the reset is a whole epoch second; waiting a second past it avoids landing just before it
                told = Duration.ofSeconds(Math.max(0, Long.parseLong(reset.strip()) - clock.instant().getEpochSecond() + 1));
            }
        } catch (NumberFormatException e) {
            told = Duration.ZERO;
        }
        Duration wait = told.compareTo(backoff) > 0 ? told : backoff;
        return wait.compareTo(maxWait) > 0 ? Optional.empty() : Optional.of(wait);
    }

    private static String header(Map<String, List<String>> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && e.getValue() != null && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }
}
