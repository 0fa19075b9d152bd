package dev.magnet.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one session's folders within the disk bound while something runs in its sandbox: measures them every
 * {@code every} (see {@link DiskUsage}) and, the first time they are past the limit in bytes or in files, hands
 * the measurement to {@code onExceeded} and stops. Nothing is measured while nothing runs.
 *
 * <p>There are no file-system quotas to lean on (ext4 without project quotas on these machines), so the bound
 * is as tight as the interval: between two measurements a process can write what the disk takes in that time,
 * but no single file past the limit (the sandbox sets {@code RLIMIT_FSIZE}).
 */
final class DiskWatchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DiskWatchdog.class);
    /** A walk that takes longer than this is cut short and tried again at the next tick. */
    private static final Duration WALK_TIMEOUT = Duration.ofSeconds(60);
    /** why: waiting this many times as long as the last walk took keeps the watchdog under a fifth of one core. */
    private static final int PACING = 4;

    private final String sessionId;
    private final List<Path> folders;
    private final long maxBytes;
    private final long maxFiles;
    private final Duration every;
    private final BooleanSupplier running;
    private final Consumer<DiskLimitExceeded> onExceeded;
    private volatile boolean closed;
    private Thread thread;

    DiskWatchdog(String sessionId, List<Path> folders, long maxBytes, long maxFiles, Duration every, BooleanSupplier running,
                 Consumer<DiskLimitExceeded> onExceeded) {
        this.sessionId = sessionId;
        this.folders = List.copyOf(folders);
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        this.every = every;
        this.running = running;
        this.onExceeded = onExceeded;
    }

    /** Starts watching, on a virtual thread of its own. */
    synchronized void start() {
        if (thread == null && !closed) {
            thread = Thread.ofVirtual().name("disk-watchdog-" + sessionId).start(this::watch);
        }
    }

    private void watch() {
        Duration wait = every;
        while (!closed) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            if (closed || !running.getAsBoolean()) {
                wait = every;
                continue;
            }
            long started = System.nanoTime();
            DiskUsage.Measurement m;
            try {
                m = DiskUsage.measure(folders, maxFiles, WALK_TIMEOUT);
            } catch (IOException e) {
                log.warn("session {}: cannot measure its folders' disk use: {}", sessionId, e.getMessage());
                wait = every;
                continue;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            if (m.bytes() > maxBytes || m.entries() > maxFiles) {
                if (!closed) {
                    onExceeded.accept(new DiskLimitExceeded(maxBytes, m.bytes(), maxFiles, m.entries()));
                }
                return;
            }
            if (!m.complete()) {
                log.warn("session {}: measuring its folders took more than {} s; counted {} entries so far",
                        sessionId, WALK_TIMEOUT.toSeconds(), m.entries());
            }
            Duration paced = took.multipliedBy(PACING);
            wait = paced.compareTo(every) > 0 ? paced : every;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
