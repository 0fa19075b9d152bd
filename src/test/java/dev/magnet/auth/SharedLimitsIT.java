package dev.magnet.auth;

import static dev.magnet.auth.LimitsTest.waitSeconds;
import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.store.Database;
import dev.magnet.testing.PostgresSchema;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API key rate limit and the sign-in throttle of two servers on one PostgreSQL database (two instances on one
 * fresh schema, each as its server builds it): what one counts, the other sees, so a client gains nothing by spreading
 * its requests or guesses over the servers.
 */
class SharedLimitsIT {
    private static final Duration WINDOW = Duration.ofMinutes(15);

    private final MutableClock clock = new MutableClock();
    private PostgresSchema schema;
    private Database database;

    @BeforeEach
    void open() {
        schema = PostgresSchema.create();
        database = Database.open(schema.jdbcUrl());
    }

    @AfterEach
    void close() {
        database.close();
        schema.close();
    }

    @Test
    void a_key_s_requests_on_two_servers_draw_from_one_bucket() {
        RateLimiter a = RateLimiter.shared(clock, 600, database.jdbi());
        RateLimiter b = RateLimiter.shared(clock, 600, database.jdbi());
        assertThat(a.acquire("k", 4)).isZero();
        assertThat(b.acquire("k", 4)).isZero();
        assertThat(a.acquire("k", 4)).isZero();
        assertThat(b.acquire("k", 4)).isZero();
        assertThat(a.acquire("k", 4)).as("the fifth request within the minute, on either server").isEqualTo(15);
        assertThat(b.acquire("k", 4)).isEqualTo(15);
        assertThat(b.acquire("other", 4)).as("another key").isZero();
        clock.advance(Duration.ofSeconds(15));
        assertThat(b.acquire("k", 4)).isZero();
    }

    @Test
    void requests_racing_on_two_servers_get_no_more_than_the_limit_between_them() throws Exception {
        RateLimiter a = RateLimiter.shared(clock, 600, database.jdbi());
        RateLimiter b = RateLimiter.shared(clock, 600, database.jdbi());
        List<Callable<Long>> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            RateLimiter server = i % 2 == 0 ? a : b;
            requests.add(() -> server.acquire("k", 25));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            long allowed = 0;
            for (Future<Long> f : pool.invokeAll(requests)) {
                allowed += f.get() == 0 ? 1 : 0;
            }
            assertThat(allowed).isEqualTo(25);
        }
    }

    @Test
    void failed_sign_ins_on_one_server_make_the_next_attempt_on_the_other_wait() {
        LoginThrottle a = LoginThrottle.shared(clock, WINDOW, 30, 100, database.jdbi());
        LoginThrottle b = LoginThrottle.shared(clock, WINDOW, 30, 100, database.jdbi());
        a.begin("a@x", "1.2.3.4");
        b.begin("a@x", "1.2.3.4");
        a.begin("a@x", "1.2.3.4");
        assertThat(waitSeconds(b, "a@x", "1.2.3.4")).as("after three failures over both servers").isEqualTo(1);
        assertThat(waitSeconds(a, "a@x", "1.2.3.4")).isEqualTo(1);
        assertThat(waitSeconds(b, "a@x", "5.6.7.8")).as("the account from another address").isZero();
        clock.advance(Duration.ofSeconds(1));
        b.begin("a@x", "1.2.3.4").succeeded();
        assertThat(waitSeconds(a, "a@x", "1.2.3.4")).as("once the right password was given on the other server").isZero();
    }

    @Test
    void an_address_guessing_over_two_servers_meets_its_cap_as_on_one() {
        LoginThrottle a = LoginThrottle.shared(clock, WINDOW, 8, 100, database.jdbi());
        LoginThrottle b = LoginThrottle.shared(clock, WINDOW, 8, 100, database.jdbi());
        for (int i = 0; i < 8; i++) {
            (i % 2 == 0 ? a : b).begin("user" + i + "@x", "9.9.9.9");
        }
        assertThat(waitSeconds(a, "fresh@x", "9.9.9.9")).isPositive();
        assertThat(waitSeconds(b, "fresh@x", "9.9.9.9")).isPositive();
        clock.advance(WINDOW);
        assertThat(waitSeconds(b, "fresh@x", "9.9.9.9")).as("once the window passed").isZero();
    }
}
