package dev.magnet.events;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * In-process fan-out of committed events. Each session has a feed that keeps its most recent events,
 * so live readers are served from memory; a reader that fell further behind reads the log instead.
 *
 * <p>Memory is bounded: a feed keeps at most {@value #RECENT} events, all feeds together at most {@code maxTotal}
 * (past it the feeds that were published to longest ago are emptied first), and a session that ended has its feed
 * emptied at once and forgotten a minute later (the minute lets readers that are about to wait see it ended).
 * An emptied feed costs readers nothing but a read of the log.
 */
public final class EventHub {
    static final int RECENT = 16_384;
    private static final int DEFAULT_MAX_TOTAL = 100_000;
    private static final long FORGET_ENDED_AFTER_NANOS = Duration.ofMinutes(1).toNanos();

    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
    private final AtomicLong held = new AtomicLong();
    private final int maxTotal;

    public EventHub() {
        this(DEFAULT_MAX_TOTAL);
    }

    /** @param maxTotal the most events all feeds together keep in memory */
    private final List<Consumer<Collection<Event>>> listeners =
            new CopyOnWriteArrayList<>();

    public EventHub(int maxTotal) {
        if (maxTotal < 1) {
            throw new IllegalArgumentException("maxTotal must be at least 1");
        }
        this.maxTotal = maxTotal;
    }

    /** Hands committed events (of one or several sessions, in order) to the waiting readers and the listeners. */
    public void publish(Collection<Event> events) {
        for (Event e : events) {
            held.addAndGet(feed(e.sessionId()).add(e));
        }
        if (held.get() > maxTotal) {
            shed();
        }
        for (Consumer<Collection<Event>> l : listeners) {
            l.accept(events);
        }
    }

    /**
     * Calls {@code listener} with every burst published from now on (on the publishing thread: it must only take note
     * and return), until the returned handle is closed. The workspace streams use it to learn which sessions changed.
     */
    public AutoCloseable listen(Consumer<Collection<Event>> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** How many events all feeds hold (for tests and metrics). */
    public long held() {
        return held.get();
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

    /**
     * The session ended: its feed is emptied (readers read the log) and forgotten later. Called after its last
     * events were published.
     */
    public void ended(String sessionId) {
        Feed feed = feeds.get(sessionId);
        if (feed != null) {
            held.addAndGet(-feed.end(System.nanoTime()));
        }
        long now = System.nanoTime();
        feeds.values().removeIf(f -> f.endedLongAgo(now));
    }

    private Feed feed(String sessionId) {
        return feeds.computeIfAbsent(sessionId, id -> new Feed());
    }

    /** Empties the feeds published to longest ago until all together hold at most {@code maxTotal} events. */
    private synchronized void shed() {
        while (held.get() > maxTotal) {
            Feed oldest = null;
            for (Feed f : feeds.values()) {
                if (f.size() > 0 && (oldest == null || f.lastAdded() - oldest.lastAdded() < 0)) {
                    oldest = f;
                }
            }
            if (oldest == null) {
                return;
            }
            held.addAndGet(-oldest.empty());
        }
    }

    private static final class Feed {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private final ArrayDeque<Event> recent = new ArrayDeque<>();
        private long lastSeq;
        private long pokes;
        private volatile long lastAdded = System.nanoTime();
        private volatile long endedAt;
        private volatile int size;

        /** Adds the event; returns by how many the feed's size changed. */
        int add(Event e) {
            lock.lock();
            try {
                if (e.seq() <= lastSeq) {
                    return 0;
                }
                int before = recent.size();
                if (!recent.isEmpty() && e.seq() != lastSeq + 1) {
                    recent.clear(); // why: a gap means we missed events (another writer); readers fall back to the log
                }
                recent.addLast(e);
                if (recent.size() > RECENT) {
                    recent.removeFirst();
                }
                lastSeq = e.seq();
                lastAdded = System.nanoTime();
                endedAt = 0;
                size = recent.size();
                changed.signalAll();
                return size - before;
            } finally {
                lock.unlock();
            }
        }

        /** Drops every event held; returns how many. */
        int empty() {
            lock.lock();
            try {
                int dropped = recent.size();
                recent.clear();
                size = 0;
                return dropped;
            } finally {
                lock.unlock();
            }
        }

        int end(long now) {
            int dropped = empty();
            endedAt = now == 0 ? 1 : now;
            return dropped;
        }

        boolean endedLongAgo(long now) {
            long ended = endedAt;
            return ended != 0 && now - ended > FORGET_ENDED_AFTER_NANOS;
        }

        long lastAdded() {
            return lastAdded;
        }

        int size() {
            return size;
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
