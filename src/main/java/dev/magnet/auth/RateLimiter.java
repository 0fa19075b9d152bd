package dev.magnet.auth;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Per-key request limits: a token bucket per API key that holds a minute's worth of requests and refills
 * continuously. In memory with one server; with several on one PostgreSQL database ({@link #shared}), the buckets are
 * rows of {@code rate_buckets}, each taken under its row lock, so a key's limit holds across all servers together.
 */
public final class RateLimiter {
    private final Clock clock;
    private final int defaultPerMinute;
    private final Jdbi shared;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** Buckets in this server's memory. */
    public RateLimiter(Clock clock, int defaultPerMinute) {
        this(clock, defaultPerMinute, null);
    }

    private RateLimiter(Clock clock, int defaultPerMinute, Jdbi shared) {
        if (defaultPerMinute < 1) {
            throw new IllegalArgumentException("the API key rate limit must be at least 1 request per minute");
        }
        this.clock = clock;
        this.defaultPerMinute = defaultPerMinute;
        this.shared = shared;
    }

    /** Buckets in the database, shared by every server on it. */
    public static RateLimiter shared(Clock clock, int defaultPerMinute, Jdbi jdbi) {
        return new RateLimiter(clock, defaultPerMinute, jdbi);
    }

    /**
     * Takes one request from the key's bucket.
     *
     * @return 0 when the request may go ahead, else the seconds to wait before the next one will
     */
    public long acquire(String keyId, Integer perMinute) {
        int limit = perMinute == null ? defaultPerMinute : perMinute;
        long now = clock.millis();
        if (shared != null) {
            return shared.inTransaction(h -> acquire(h, keyId, limit, now));
        }
        Bucket bucket = buckets.compute(keyId, (id, b) -> b == null || b.limit != limit ? new Bucket(limit, limit, now) : b);
        synchronized (bucket) {
            Taken taken = bucket.take(now);
            bucket.tokens = taken.tokens();
            bucket.lastMillis = taken.lastMillis();
            return taken.waitSeconds();
        }
    }

    private static long acquire(Handle h, String keyId, int limit, long now) {
        h.createUpdate("insert into rate_buckets (key_id, per_minute, tokens, at_ms) values (:key, :limit, :limit, :now) "
                        + "on conflict (key_id) do nothing")
                .bind("key", keyId).bind("limit", limit).bind("now", now).execute();
        Bucket stored = h.createQuery("select per_minute, tokens, at_ms from rate_buckets where key_id = :key for update")
                .bind("key", keyId)
                .map((rs, ctx) -> new Bucket(rs.getInt("per_minute"), rs.getDouble("tokens"), rs.getLong("at_ms")))
                .one();
        Bucket bucket = stored.limit == limit ? stored : new Bucket(limit, limit, now);
        Taken taken = bucket.take(now);
        h.createUpdate("update rate_buckets set per_minute = :limit, tokens = :tokens, at_ms = :at where key_id = :key")
                .bind("limit", limit).bind("tokens", taken.tokens()).bind("at", taken.lastMillis()).bind("key", keyId)
                .execute();
        return taken.waitSeconds();
    }

    /** A bucket after a request: what it holds, when it was last refilled, and how long the request must wait (0: none). */
    private record Taken(double tokens, long lastMillis, long waitSeconds) {
    }

    private static final class Bucket {
        private final int limit;
        private double tokens;
        private long lastMillis;

        Bucket(int limit, double tokens, long lastMillis) {
            this.limit = limit;
            this.tokens = tokens;
            this.lastMillis = lastMillis;
        }

        /** Refills the bucket up to {@code now} and takes one request from it if it holds one. */
        Taken take(long now) {
            double perMilli = limit / 60_000.0;
            double refilled = Math.min(limit, tokens + Math.max(0, now - lastMillis) * perMilli);
            long last = Math.max(lastMillis, now);
            if (refilled >= 1) {
                return new Taken(refilled - 1, last, 0);
            }
            return new Taken(refilled, last, (long) Math.ceil((1 - refilled) / perMilli / 1000.0));
        }
    }
}
