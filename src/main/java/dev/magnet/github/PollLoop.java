package dev.magnet.github;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background loop of a GitHub poller: every interval it calls the poll on a virtual thread of its own until closed;
 * a poll that throws is logged and tried again at the next interval. An interval of zero leaves it off.
 */
final class PollLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);

    private final String name;
    private final String what;
    private final Duration interval;
    private final Runnable poll;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param name     the thread's name
     * @param what     what a poll does, for the log ("polling pull requests")
     * @param interval how often; zero: never
     * @param poll     one poll
     */
    PollLoop(String name, String what, Duration interval, Runnable poll) {
        this.name = name;
        this.what = what;
        this.interval = interval;
        this.poll = poll;
    }

    void start() {
        if (interval.isZero()) {
            return;
        }
        running = true;
        thread = Thread.ofVirtual().name(name).start(this::loop);
    }

    /** Whether the loop was started and is being closed: a long poll stops early. */
    boolean stopping() {
        return !running && thread != null;
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            try {
                poll.run();
            } catch (RuntimeException e) {
                log.warn("{} failed; trying again in {} s: {}", what, interval.toSeconds(), e.getMessage());
            }
        }
    }
}
