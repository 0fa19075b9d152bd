package dev.magnet.events;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * In-process fan-out of committed events. Each session has a feed that keeps its most recent events,
 * so live readers are served from memory; a reader that fell further behind reads the log instead.
 */
public final class EventHub {
    private static final int RECENT = 4096;
    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();

    /** Hands committed events (of one or several sessions, in order) to the waiting readers. */
    public void publish(Collection<Event> events) {
        for (Event e : events) {
            feed(e.sessionId()).add(e);
        }
    }

    /**
     * The events after {@code afterSeq} if this hub still holds all of them; empty when the caller must read
     * the log (it is behind the feed, or this process never saw the session's recent events).
     */
    public Optional<List<Event>> recentAfter(String sessionId, long afterSeq) {
        return feed(sessionId).after(afterSeq);
    }

    /**
     * Waits until an event newer than {@code afterSeq} is published for the session, or the timeout passes.
     *
     * @return true when something newer arrived
     */
    public boolean await(String sessionId, long afterSeq, Duration timeout) throws InterruptedException {
        return feed(sessionId).await(afterSeq, timeout);
    }

    /** Wakes every reader of the session (e.g. to re-check its status). */
    public void poke(String sessionId) {
        feed(sessionId).poke();
    }

    /** Forgets a session's recent events once nobody needs them in memory. */
    public void drop(String sessionId) {
        feeds.remove(sessionId);
    }

    private Feed feed(String sessionId) {
        return feeds.computeIfAbsent(sessionId, id -> new Feed());
    }

    private static final class Feed {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final ArrayDeque<Event> recent = new ArrayDeque<>();
        private long lastSeq;
        private long pokes;

        void add(Event e) {
            lock.lock();
            try {
                if (e.seq() <= lastSeq) {
                    return;
                }
                if (!recent.isEmpty() && e.seq() != lastSeq + 1) {
                    recent.clear(); // why: a gap means we missed events (another writer); readers fall back to the log
                }
                recent.addLast(e);
                if (recent.size() > RECENT) {
                    recent.removeFirst();
                }
                lastSeq = e.seq();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        Optional<List<Event>> after(long afterSeq) {
            lock.lock();
            try {
                if (recent.isEmpty() || recent.peekFirst().seq() > afterSeq + 1) {
                    return afterSeq >= lastSeq && lastSeq > 0 ? Optional.of(List.of()) : Optional.empty();
                }
                List<Event> out = new ArrayList<>();
                for (Event e : recent) {
                    if (e.seq() > afterSeq) {
                        out.add(e);
                    }
                }
                return Optional.of(out);
            } finally {
                lock.unlock();
            }
        }

        boolean await(long afterSeq, Duration timeout) throws InterruptedException {
            lock.lock();
            try {
                long startPokes = pokes;
                long nanos = timeout.toNanos();
                while (lastSeq <= afterSeq && pokes == startPokes) {
                    if (nanos <= 0) {
                        return false;
                    }
                    nanos = changed.awaitNanos(nanos);
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        void poke() {
            lock.lock();
            try {
                pokes++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
