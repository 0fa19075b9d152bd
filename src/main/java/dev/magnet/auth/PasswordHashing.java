package dev.magnet.auth;

import dev.magnet.support.TooManyRequestsException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Computes password hashes ({@link Passwords}, Argon2id with 19 MiB each) at most {@code maxConcurrent} at a time, so
 * that a flood of sign-ins cannot exhaust the server's memory. A caller that finds every slot taken waits for one,
 * but only briefly and only behind a bounded number of others; otherwise it is refused with 429 and
 * {@code Retry-After: 1}.
 *
 * <p>Prometheus figures: {@code magnet_password_hashes_in_progress}, {@code magnet_password_hashes_in_progress_max}
 * (the most ever computed at once since start), {@code magnet_password_hashes_total} and
 * {@code magnet_password_hashes_refused_total}.
 */
public final class PasswordHashing {
    // why: at the default of 4 slots a hash takes about 100 ms on 2 cores, so 4 callers per slot wait well under
    // the 2 s below; more waiters would only hold requests open for answers they get too late
    private static final int WAITERS_PER_SLOT = 4;
    private static final Duration MAX_WAIT = Duration.ofSeconds(2);

    private final Semaphore slots;
    private final int maxWaiting;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostRunning = new AtomicInteger();
    private final Counter computed;
    private final Counter refused;

    /**
     * @param maxConcurrent how many hashes may run at once ({@code MAGNET_MAX_PASSWORD_HASHES})
     * @param registry      where the figures above are registered
     */
    public PasswordHashing(int maxConcurrent, MeterRegistry registry) {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("maxConcurrent must be at least 1: set MAGNET_MAX_PASSWORD_HASHES to 1 or more");
        }
        this.slots = new Semaphore(maxConcurrent, true);
        this.maxWaiting = maxConcurrent * WAITERS_PER_SLOT;
        Gauge.builder("magnet_password_hashes_in_progress", running, AtomicInteger::get)
                .description("password hashes being computed now").register(registry);
        Gauge.builder("magnet_password_hashes_in_progress_max", mostRunning, AtomicInteger::get)
                .description("the most password hashes computed at once since the server started").register(registry);
        this.computed = Counter.builder("magnet_password_hashes").description("password hashes computed").register(registry);
        this.refused = Counter.builder("magnet_password_hashes_refused")
                .description("password checks refused because every hashing slot was busy").register(registry);
    }

    /**
     * Whether {@code password} matches the stored hash.
     *
     * @throws TooManyRequestsException when no hashing slot became free in time
     */
    public boolean verify(String password, String encoded) {
        return run(() -> Passwords.verify(password, encoded));
    }

    /**
     * A new hash of {@code password}.
     *
     * @throws TooManyRequestsException when no hashing slot became free in time
     */
    public String hash(String password) {
        return run(() -> Passwords.hash(password));
    }

    private <T> T run(Supplier<T> work) {
        if (!slots.tryAcquire() && !awaitSlot()) {
            refused.increment();
            throw new TooManyRequestsException("the server is busy checking other passwords; try again in a second", 1);
        }
        try {
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            computed.increment();
            return work.get();
        } finally {
            running.decrementAndGet();
            slots.release();
        }
    }

    private boolean awaitSlot() {
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return false;
        }
        try {
            return slots.tryAcquire(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            waiting.decrementAndGet();
        }
    }
}
