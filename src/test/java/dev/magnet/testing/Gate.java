package dev.magnet.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Lets a test hold a scripted turn: {@link FakeAnthropic} waits at the gate before it answers a
 * request served by {@code turn.heldBy(gate)}, until the test calls {@link #open()}. Once open, it
 * stays open. Thread-safe.
 */
public final class Gate {
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch opened = new CountDownLatch(1);

    /** A new, closed gate. */
    public static Gate closed() {
        return new Gate();
    }

    /** Lets every held and future answer through. */
    public void open() {
        opened.countDown();
    }

    /**
     * Waits until a request has arrived at the gate.
     *
     * @throws AssertionError if none arrives within {@code timeout}
     */
    public void awaitReached(Duration timeout) throws InterruptedException {
        if (!reached.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("no request reached the gate within " + timeout);
        }
    }

    /**
     * Marks the gate reached and blocks until it opens or {@code giveUp} says to stop waiting.
     *
     * @return true if the gate opened, false if waiting was given up
     */
    boolean pass(BooleanSupplier giveUp) throws InterruptedException {
        reached.countDown();
        while (!opened.await(100, TimeUnit.MILLISECONDS)) {
            if (giveUp.getAsBoolean()) {
                return false;
            }
        }
        return true;
    }
}
