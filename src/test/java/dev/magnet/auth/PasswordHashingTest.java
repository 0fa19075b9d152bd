package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.web.TooManyRequestsException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PasswordHashingTest {

    @Test
    void many_callers_at_once_never_hash_more_than_the_slots_and_each_is_either_answered_or_refused() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PasswordHashing hashing = new PasswordHashing(1, registry);
        String stored = Passwords.hash("the right password");
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> outcomes = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 40; i++) {
                outcomes.add(callers.submit(() -> {
                    go.await();
                    try {
                        return hashing.verify("a wrong password", stored) ? "matched" : "wrong";
                    } catch (TooManyRequestsException e) {
                        assertThat(e.retryAfterSeconds()).isEqualTo(1);
                        return "busy";
                    }
                }));
            }
            go.countDown();
        }
        long wrong = 0;
        long busy = 0;
        for (Future<String> f : outcomes) {
            String outcome = f.get();
            assertThat(outcome).isIn("wrong", "busy");
            wrong += outcome.equals("wrong") ? 1 : 0;
            busy += outcome.equals("busy") ? 1 : 0;
        }
        assertThat(registry.get("magnet_password_hashes_in_progress_max").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("magnet_password_hashes").counter().count()).isEqualTo(wrong);
        assertThat(registry.get("magnet_password_hashes_refused").counter().count()).isEqualTo(busy);
        assertThat(hashing.verify("the right password", stored)).isTrue();
    }
}
