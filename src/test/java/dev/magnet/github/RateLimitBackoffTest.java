package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitBackoffTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final RateLimitBackoff backoff = new RateLimitBackoff(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(60));

    @Test
    void a_primary_rate_limit_waits_until_the_announced_reset() {
        Map<String, List<String>> headers = Map.of("X-RateLimit-Remaining", List.of("0"),
                "X-RateLimit-Reset", List.of(Long.toString(NOW.getEpochSecond() + 30)));
        assertThat(backoff.waitBefore(0, 403, headers)).contains(Duration.ofSeconds(31));
    }

    @Test
    void a_secondary_rate_limit_honours_retry_after_but_never_waits_less_than_the_backoff() {
        assertThat(backoff.waitBefore(0, 429, Map.of("retry-after", List.of("5")))).contains(Duration.ofSeconds(5));
        assertThat(backoff.waitBefore(3, 429, Map.of("retry-after", List.of("1")))).contains(Duration.ofSeconds(8));
    }

    @Test
    void a_reset_too_far_away_an_ordinary_403_or_too_many_attempts_fail_at_once() {
        assertThat(backoff.waitBefore(0, 403, Map.of("x-ratelimit-remaining", List.of("0"),
                "x-ratelimit-reset", List.of(Long.toString(NOW.getEpochSecond() + 3600))))).isEmpty();
        assertThat(backoff.waitBefore(0, 403, Map.of("x-ratelimit-remaining", List.of("4000")))).isEmpty();
        assertThat(backoff.waitBefore(RateLimitBackoff.MAX_ATTEMPTS - 1, 429, Map.of())).isEmpty();
    }
}
