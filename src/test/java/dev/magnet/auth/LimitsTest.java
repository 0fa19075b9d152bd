package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LimitsTest {
    private final MutableClock clock = new MutableClock();

    @Test
    void a_key_may_make_its_limit_of_requests_at_once_then_waits_for_the_bucket_to_refill() {
        RateLimiter limiter = new RateLimiter(clock, 600);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("k", 3)).isZero();
        }
        assertThat(limiter.acquire("k", 3)).isEqualTo(20);
        clock.advance(Duration.ofSeconds(20));
        assertThat(limiter.acquire("k", 3)).isZero();
    }

    @Test
    void keys_have_buckets_of_their_own_and_the_default_limit_applies_without_one() {
        RateLimiter limiter = new RateLimiter(clock, 1);
        assertThat(limiter.acquire("a", null)).isZero();
        assertThat(limiter.acquire("a", null)).isEqualTo(60);
        assertThat(limiter.acquire("b", null)).isZero();
    }

    @Test
    void failed_sign_ins_for_one_account_are_throttled_until_the_window_passes() {
        LoginThrottle throttle = new LoginThrottle(clock, 3, Duration.ofMinutes(15));
        for (int i = 0; i < 3; i++) {
            assertThat(throttle.waitSeconds("a@x", "1.2.3.4")).isZero();
            throttle.failed("a@x", "1.2.3.4");
        }
        assertThat(throttle.waitSeconds("a@x", "5.6.7.8")).isEqualTo(900);
        assertThat(throttle.waitSeconds("b@x", "5.6.7.8")).isZero();
        clock.advance(Duration.ofMinutes(15));
        assertThat(throttle.waitSeconds("a@x", "5.6.7.8")).isZero();
    }

    @Test
    void one_address_trying_many_accounts_is_throttled_too() {
        LoginThrottle throttle = new LoginThrottle(clock, 2, Duration.ofMinutes(1));
        for (int i = 0; i < 8; i++) {
            throttle.failed("user" + i + "@x", "9.9.9.9");
        }
        assertThat(throttle.waitSeconds("fresh@x", "9.9.9.9")).isPositive();
        assertThat(throttle.waitSeconds("fresh@x", "1.1.1.1")).isZero();
    }

    @Test
    void a_success_clears_the_account_failures() {
        LoginThrottle throttle = new LoginThrottle(clock, 2, Duration.ofMinutes(1));
        throttle.failed("a@x", "1.1.1.1");
        throttle.succeeded("a@x");
        throttle.failed("a@x", "1.1.1.1");
        assertThat(throttle.waitSeconds("a@x", "2.2.2.2")).isZero();
    }
}
