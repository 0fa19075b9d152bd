package dev.magnet.events;

import java.time.Duration;
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
 * (past it the feeds of ended sessions are emptied first, then those published to longest ago). A session that
 * ended keeps its events for a short grace ({@code endedGrace}, 10 s by default) so that readers still catching up
 * with its last burst read them from memory rather than each from the log; after it the feed is emptied (when
 * another session ends, or sooner when memory is short), and it is forgotten a minute after the end (the minute
 * lets readers that are about to wait see it ended). An emptied feed costs readers nothing but a read of the log.
 */
public final class EventHub {
    static final int RECENT = 16_384;
    private static final int DEFAULT_MAX_TOTAL = 100_000;
    private static final Duration DEFAULT_ENDED_GRACE = Duration.ofSeconds(10);
    private static final long FORGET_ENDED_AFTER_NANOS = Duration.ofMinutes(1).toNanos();

    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
    private final AtomicLong held = new AtomicLong();
    private final int maxTotal;
    private final long endedGraceNanos;
    private final List<Consumer<Collection<Event>>> listeners = new CopyOnWriteArrayList<>();

    public EventHub() {
        this(DEFAULT_MAX_TOTAL, DEFAULT_ENDED_GRACE);
    }

    /**
     * @param maxTotal   the most events all feeds together keep in memory
     * @param endedGrace how long an ended session's events stay in memory for readers still catching up (zero: none)
     */
    public EventHub(int maxTotal, Duration endedGrace) {
        if (maxTotal < 1) {
            throw new IllegalArgumentException("maxTotal must be at least 1");
        }
        if (endedGrace.isNegative() || endedGrace.toNanos() >= FORGET_ENDED_AFTER_NANOS) {
            throw new IllegalArgumentException("endedGrace must be at least 0 and less than a minute");
        }
        this.maxTotal = maxTotal;
        this.endedGraceNanos = endedGrace.toNanos();
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

    /** Why a reader's {@link #await} returned. */
    public enum Wake {
        /** An event newer than the reader's was published. */
        NEWER,
        /** The session was poked, or ended since the reader last looked: its status may have changed. */
        CHANGED,
        /** Nothing happened within the timeout. */
        TIMEOUT
    }

    /**
     * Waits until an event newer than {@code afterSeq} is published for the session, the session is poked, it ends
     * for the first time since the reader read {@link #endings} as {@code knownEndings}, or the timeout passes.
     */
    public Wake await(String sessionId, long afterSeq, long knownEndings, Duration timeout) throws InterruptedException {
        return feed(sessionId).await(afterSeq, knownEndings, timeout);
    }

    /**
     * How many times the session has ended while this hub knew it (a completed session can be continued and end
     * again). A reader notes it before it reads the session's status, so an end it has not seen wakes it at once.
     */
    public long endings(String sessionId) {
        return feed(sessionId).endings();
    }

    /**
     * Another server committed the session's events up to {@code seq}: the readers here that have not seen them wake
     * and read them from the log (this hub never holds them). Nothing happens when nobody here reads the session.
     */
    public void heard(String sessionId, long seq) {
        Feed feed = feeds.get(sessionId);
        if (feed != null) {
            feed.heard(seq);
        }
    }

    /** Wakes every reader of every session: events may have been committed elsewhere unheard (they re-read the log). */
    public void pokeAll() {
        feeds.values().forEach(Feed::poke);
    }

    /**
     * The session ended: its readers are woken to read its status; its feed keeps its events for the grace (readers
     * still behind its last burst read them from memory), is emptied after it and forgotten later. Called after its
     * last events were published. Each call also empties and forgets the feeds of other sessions whose time is up.
     */
    public void ended(String sessionId) {
        long now = System.nanoTime();
        Feed feed = feeds.get(sessionId);
        if (feed != null) {
            feed.end(now);
        }
        for (var entry : feeds.entrySet()) {
            Feed f = entry.getValue();
            if (f.endedBefore(now - FORGET_ENDED_AFTER_NANOS)) {
                held.addAndGet(-f.empty());
                feeds.remove(entry.getKey(), f);
            } else if (f.size() > 0 && f.endedBefore(now - endedGraceNanos)) {
                held.addAndGet(-f.empty());
            }
        }
    }

    private Feed feed(String sessionId) {
        return feeds.computeIfAbsent(sessionId, id -> new Feed());
    }

    /**
     * Empties feeds until all together hold at most {@code maxTotal} events: those of ended sessions first, then
     * those published to longest ago.
     */
    private synchronized void shed() {
        while (held.get() > maxTotal) {
            Feed oldest = null;
            for (Feed f : feeds.values()) {
                if (f.size() > 0 && (oldest == null || f.shedsBefore(oldest))) {
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
        /** The recent events, contiguous in sequence: a ring of {@code count} from {@code head}, grown on demand. */
        private Event[] ring = new Event[16];
        private int head;
        private int count;
        private long lastSeq;
        /** The highest number another server said it committed (its events are in the log, not here). */
        private long heardSeq;
        private long pokes;
        private volatile long endings;
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
                int before = count;
                if (count > 0 && e.seq() != lastSeq + 1) {
                    clear(); // why: a gap means we missed events (another writer); readers fall back to the log
                }
                if (count == RECENT) {
                    ring[head] = null;
                    head = (head + 1) % ring.length;
                    count--;
                } else if (count == ring.length) {
                    grow();
                }
                ring[(head + count) % ring.length] = e;
                count++;
                lastSeq = e.seq();
                lastAdded = System.nanoTime();
                endedAt = 0;
                size = count;
                changed.signalAll();
                return count - before;
            } finally {
                lock.unlock();
            }
        }

        private void grow() {
            Event[] bigger = new Event[Math.min(RECENT, ring.length * 2)];
            for (int i = 0; i < count; i++) {
                bigger[i] = ring[(head + i) % ring.length];
            }
            ring = bigger;
            head = 0;
        }

        private void clear() {
            ring = new Event[16];
            head = 0;
            count = 0;
        }

        /** Drops every event held; returns how many. */
        int empty() {
            lock.lock();
            try {
                int dropped = count;
                clear();
                size = 0;
                return dropped;
            } finally {
                lock.unlock();
            }
        }

        void end(long now) {
            lock.lock();
            try {
                endedAt = now == 0 ? 1 : now;
                endings++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        long endings() {
            return endings;
        }

        /** Whether the session ended (and was not continued since) before {@code time} ({@link System#nanoTime}). */
        boolean endedBefore(long time) {
            long ended = endedAt;
            return ended != 0 && time - ended >= 0;
        }

        /** Whether this feed is emptied before {@code other} when memory is short: ended first, then the quietest. */
        boolean shedsBefore(Feed other) {
            boolean ended = endedAt != 0;
            if (ended != (other.endedAt != 0)) {
                return ended;
            }
            return lastAdded - other.lastAdded < 0;
        }

        int size() {
            return size;
        }

        /** The events after {@code afterSeq}, read by position (the ring is contiguous), or empty if not all held. */
        Optional<List<Event>> after(long afterSeq) {
            lock.lock();
            try {
                if (heardSeq > lastSeq && heardSeq > afterSeq) {
                    return Optional.empty(); // why: another server wrote them; only the log has them
                }
                if (afterSeq >= lastSeq && lastSeq > 0) {
                    return Optional.of(List.of());
                }
                long firstSeq = lastSeq - count + 1;
                if (count == 0 || firstSeq > afterSeq + 1) {
                    return Optional.empty();
                }
                int from = (int) Math.max(0, afterSeq + 1 - firstSeq);
                List<Event> out = new ArrayList<>(count - from);
                for (int i = from; i < count; i++) {
                    out.add(ring[(head + i) % ring.length]);
                }
                return Optional.of(out);
            } finally {
                lock.unlock();
            }
        }

        Wake await(long afterSeq, long knownEndings, Duration timeout) throws InterruptedException {
            lock.lock();
            try {
                long startPokes = pokes;
                long nanos = timeout.toNanos();
                while (true) {
                    if (lastSeq > afterSeq) {
                        return Wake.NEWER;
                    }
                    if (heardSeq > afterSeq || pokes != startPokes || endings != knownEndings) {
                        // why: events another server wrote may have ended the session there; this hub never sees it end
                        return Wake.CHANGED;
                    }
                    if (nanos <= 0) {
                        return Wake.TIMEOUT;
                    }
                    nanos = changed.awaitNanos(nanos);
                }
            } finally {
                lock.unlock();
            }
        }

        void heard(long seq) {
            lock.lock();
            try {
                if (seq > heardSeq) {
                    heardSeq = seq;
                    if (seq > lastSeq) {
                        changed.signalAll();
                    }
                }
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
