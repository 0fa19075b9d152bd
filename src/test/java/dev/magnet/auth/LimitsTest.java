package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.web.TooManyRequestsException;
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

    private static final Duration WINDOW = Duration.ofMinutes(15);

    @Test
    void three_failures_of_an_account_from_one_address_are_free_then_each_attempt_waits_twice_as_long() {
        LoginThrottle throttle = new LoginThrottle(clock, WINDOW, 30, 100);
        for (int i = 0; i < 3; i++) {
            throttle.begin("a@x", "1.2.3.4");
        }
        assertThat(waitSeconds(throttle, "a@x", "1.2.3.4")).isEqualTo(1);
        long previous = 0;
        for (int i = 0; i < 6; i++) {
            long wait = waitSeconds(throttle, "a@x", "1.2.3.4");
            assertThat(wait).isGreaterThan(previous);
            previous = wait;
            clock.advance(Duration.ofSeconds(wait));
            throttle.begin("a@x", "1.2.3.4");
        }
        assertThat(waitSeconds(throttle, "a@x", "1.2.3.4")).isEqualTo(64);
    }

    @Test
    void failures_from_one_address_do_not_make_the_account_wait_at_another() {
        LoginThrottle throttle = new LoginThrottle(clock, WINDOW, 30, 100);
        for (int i = 0; i < 3; i++) {
            throttle.begin("admin@localhost", "6.6.6.6");
        }
        assertThat(waitSeconds(throttle, "admin@localhost", "6.6.6.6")).isPositive();
        assertThat(waitSeconds(throttle, "admin@localhost", "7.7.7.7")).isZero();
        throttle.begin("admin@localhost", "7.7.7.7").succeeded();
        assertThat(waitSeconds(throttle, "admin@localhost", "7.7.7.7")).isZero();
    }

    @Test
    void one_address_trying_many_accounts_hits_its_cap_until_the_window_passes() {
        LoginThrottle throttle = new LoginThrottle(clock, WINDOW, 8, 100);
        for (int i = 0; i < 8; i++) {
            throttle.begin("user" + i + "@x", "9.9.9.9");
        }
        assertThat(waitSeconds(throttle, "fresh@x", "9.9.9.9")).isEqualTo(900);
        assertThat(waitSeconds(throttle, "fresh@x", "1.1.1.1")).isZero();
        clock.advance(WINDOW);
        assertThat(waitSeconds(throttle, "fresh@x", "9.9.9.9")).isZero();
    }

    @Test
    void an_account_attacked_from_many_addresses_is_slowed_but_a_fresh_address_may_always_try_it() {
        LoginThrottle throttle = new LoginThrottle(clock, WINDOW, 30, 40);
        for (int address = 0; address < 20; address++) {
            throttle.begin("admin@localhost", "10.0.0." + address);
            throttle.begin("admin@localhost", "10.0.0." + address);
        }
        assertThat(waitSeconds(throttle, "admin@localhost", "10.0.0.1")).as("one failure makes an address wait a minute")
                .isEqualTo(120);
        assertThat(waitSeconds(throttle, "admin@localhost", "192.168.1.1")).isZero();
        throttle.begin("admin@localhost", "192.168.1.1");
        assertThat(waitSeconds(throttle, "admin@localhost", "192.168.1.1")).isEqualTo(60);
        assertThat(waitSeconds(throttle, "other@x", "10.0.0.1")).isZero();
    }

    @Test
    void a_success_takes_back_its_attempt_and_clears_the_failures_of_its_account_at_its_address() {
        LoginThrottle throttle = new LoginThrottle(clock, WINDOW, 30, 100);
        throttle.begin("a@x", "1.1.1.1");
        throttle.begin("a@x", "1.1.1.1");
        throttle.begin("a@x", "1.1.1.1").succeeded();
        for (int i = 0; i < 3; i++) {
            assertThat(waitSeconds(throttle, "a@x", "1.1.1.1")).isZero();
            throttle.begin("a@x", "1.1.1.1");
        }
        assertThat(waitSeconds(throttle, "a@x", "1.1.1.1")).isPositive();
    }

    @Test
    void an_attempt_withdrawn_because_the_server_was_busy_does_not_count() {
        LoginThrottle throttle = new LoginThrottle(clock, WINDOW, 30, 100);
        for (int i = 0; i < 10; i++) {
            throttle.begin("a@x", "1.1.1.1").withdraw();
        }
        assertThat(waitSeconds(throttle, "a@x", "1.1.1.1")).isZero();
    }

    @Test
    void an_ipv6_client_counts_by_its_slash_64_network() {
        assertThat(LoginThrottle.network("2001:db8:1:2:aaaa::1")).isEqualTo(LoginThrottle.network("[2001:db8:1:2:bbbb::9]"));
        assertThat(LoginThrottle.network("2001:db8:1:2::1")).isNotEqualTo(LoginThrottle.network("2001:db8:1:3::1"));
        assertThat(LoginThrottle.network("::ffff:10.1.2.3")).isEqualTo("10.1.2.3");
        assertThat(LoginThrottle.network("10.1.2.3")).isEqualTo("10.1.2.3");
    }

    /** The seconds an attempt now would have to wait (0: it may go ahead); an attempt that may go is not made. */
    /** Seconds the attempt must wait, or 0 when it may go ahead (then withdrawn: it counts nothing). */
    static long waitSeconds(LoginThrottle throttle, String account, String address) {
        try {
            throttle.begin(account, address).withdraw();
            return 0;
        } catch (TooManyRequestsException e) {
            return e.retryAfterSeconds();
        }
    }
}
