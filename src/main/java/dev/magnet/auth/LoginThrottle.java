package dev.magnet.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Slows password guessing: after {@code maxFailures} failed sign-ins for one account, or four times as many
 * from one client address, within the window, further attempts are refused until the oldest failure ages out.
 * In memory, per replica.
 */
public final class LoginThrottle {
    private static final int MAX_TRACKED = 10_000;
    private final Clock clock;
    private final int maxFailures;
    private final Duration window;
    private final ConcurrentMap<String, Deque<Long>> failures = new ConcurrentHashMap<>();

    public LoginThrottle(Clock clock, int maxFailures, Duration window) {
        this.clock = clock;
        this.maxFailures = maxFailures;
        this.window = window;
    }

    /** Seconds to wait before this account may be tried from this address again; 0 when it may be tried now. */
    public long waitSeconds(String account, String address) {
        return Math.max(wait("account:" + account, maxFailures), wait("address:" + address, maxFailures * 4));
    }

    public void failed(String account, String address) {
        long now = clock.millis();
        if (failures.size() > MAX_TRACKED) {
            failures.values().removeIf(q -> {
                synchronized (q) {
                    prune(q, now);
                    return q.isEmpty();
                }
            });
        }
        for (String k : new String[] {"account:" + account, "address:" + address}) {
            Deque<Long> q = failures.computeIfAbsent(k, x -> new ArrayDeque<>());
            synchronized (q) {
                prune(q, now);
                q.addLast(now);
            }
        }
    }

    public void succeeded(String account) {
        failures.remove("account:" + account);
    }

    private long wait(String key, int limit) {
        Deque<Long> q = failures.get(key);
        if (q == null) {
            return 0;
        }
        long now = clock.millis();
        synchronized (q) {
            prune(q, now);
            if (q.size() < limit) {
                return 0;
            }
            long oldestRelevant = q.stream().skip(q.size() - limit).findFirst().orElse(now);
            return Math.max(1, (oldestRelevant + window.toMillis() - now + 999) / 1000);
        }
    }

    private void prune(Deque<Long> q, long now) {
        while (!q.isEmpty() && q.peekFirst() <= now - window.toMillis()) {
            q.removeFirst();
        }
    }
}
