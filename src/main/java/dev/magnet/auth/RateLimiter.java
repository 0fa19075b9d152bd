package dev.magnet.auth;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Per-key request limits: a token bucket per API key that holds a minute's worth of requests and refills
 * continuously. Kept in memory, so with several replicas each enforces the limit on its own share.
 */
public final class RateLimiter {
    private final Clock clock;
    private final int defaultPerMinute;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(Clock clock, int defaultPerMinute) {
        if (defaultPerMinute < 1) {
            throw new IllegalArgumentException("the API key rate limit must be at least 1 request per minute");
        }
        this.clock = clock;
        this.defaultPerMinute = defaultPerMinute;
    }

    /**
     * Takes one request from the key's bucket.
     *
     * @return 0 when the request may go ahead, else the seconds to wait before the next one will
     */
    public long acquire(String keyId, Integer perMinute) {
        int limit = perMinute == null ? defaultPerMinute : perMinute;
        Bucket bucket = buckets.compute(keyId, (id, b) -> b == null || b.limit != limit ? new Bucket(limit, clock.millis()) : b);
        return bucket.take(clock.millis());
    }

    private static final class Bucket {
        private final int limit;
        private double tokens;
        private long lastMillis;

        Bucket(int limit, long now) {
            this.limit = limit;
            this.tokens = limit;
            this.lastMillis = now;
        }

        synchronized long take(long now) {
            double perMilli = limit / 60_000.0;
            tokens = Math.min(limit, tokens + (now - lastMillis) * perMilli);
            lastMillis = Math.max(lastMillis, now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perMilli / 1000.0);
        }
    }
}
