package dev.magnet.auth;

import dev.magnet.web.TooManyRequestsException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
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

    private final ThreadPoolExecutor slots;
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
        // why: hashes run on platform threads of their own, not on the request's virtual thread: a virtual thread is
        // not preempted, so CPU-bound hashes on it would hold every carrier thread (one per core) and stall all other
        // requests, /health/live included, for as long as a flood lasts
        AtomicInteger threads = new AtomicInteger();
        this.slots = new ThreadPoolExecutor(maxConcurrent, maxConcurrent, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(maxConcurrent * WAITERS_PER_SLOT), task -> {
                    Thread t = new Thread(task, "magnet-password-hash-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.slots.allowCoreThreadTimeOut(true);
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
        AtomicBoolean started = new AtomicBoolean();
        Future<T> result;
        try {
            result = slots.submit(() -> {
                if (!started.compareAndSet(false, true)) {
                    return null;
                }
                mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                try {
                    computed.increment();
                    return work.get();
                } finally {
                    running.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            throw busy();
        }
        try {
            try {
                return result.get(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (started.compareAndSet(false, true)) {
                    drop(result);
                    throw busy();
                }
                // why: the hash is under way; it takes a fraction of a second, and its answer is the one to give
                return result.get();
            }
        } catch (InterruptedException e) {
            started.set(true);
            drop(result);
            Thread.currentThread().interrupt();
            throw busy();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("hashing a password failed", e.getCause());
        }
    }

    /** Takes a task that has not started out of the queue, so that it frees its place at once. */
    private void drop(Future<?> task) {
        task.cancel(false);
        if (task instanceof Runnable queued) {
            slots.remove(queued);
        }
    }

    private TooManyRequestsException busy() {
        refused.increment();
        return new TooManyRequestsException("the server is busy checking other passwords; try again in a second", 1);
    }
}
