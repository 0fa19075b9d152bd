package dev.magnet.auth;

import dev.magnet.web.TooManyRequestsException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import org.jdbi.v3.core.Jdbi;

/**
 * Slows password guessing without letting anyone lock an account's owner out. An attempt is counted when it
 * starts, before its password is hashed, so a flood is refused without hashing; a successful attempt is taken back
 * as a failure. Three budgets, over a sliding window:
 * <ul>
 *   <li>per account and client address: {@value #FREE_ATTEMPTS} failures are free, then each further attempt waits
 *       1, 2, 4, 8, … seconds after the last failure, up to the window;</li>
 *   <li>per client address, whatever the account: at most {@code addressCap} failures;</li>
 *   <li>per account, from all addresses: past {@code accountCap} failures the account is under attack, and every
 *       address gets one free attempt only, then waits 1, 2, 4, … minutes. This only slows: an address that has not
 *       failed for the account may always try, so the owner signing in from elsewhere is never locked out.</li>
 * </ul>
 * An IPv6 client counts by its /64 network, which one host usually has to itself. The failures are kept in memory with
 * one server ({@link MemoryFailures}); with several on one PostgreSQL database in {@code login_failures}
 * ({@link SharedFailures}), so the budgets hold across all servers together.
 */
public final class LoginThrottle {
    static final int FREE_ATTEMPTS = 3;
    private static final int FREE_ATTEMPTS_UNDER_ATTACK = 1;
    private static final long FIRST_DELAY_MILLIS = 1_000;
    private static final long FIRST_DELAY_UNDER_ATTACK_MILLIS = 60_000;
    // why: past its cap an account's count only has to stay at or above the cap; keeping twice the cap leaves room
    // for attempts still in flight to be withdrawn without the count dropping below it
    private static final int ACCOUNT_SLACK = 2;
    // why: entries are made only by attempts that got past the throttle, and each of those costs a password hash,
    // so the hashing slots bound how fast this map grows; pruning expired entries past this size keeps it small
    private static final int PRUNE_ABOVE = 10_000;
    /** In the database, every this many attempts the failures of every key that left the window are deleted. */
    private static final int PRUNE_EVERY = 100;

    private final Clock clock;
    private final Duration window;
    private final int addressCap;
    private final int accountCap;
    private final Failures failures;

    /**
     * @param window     how long a failure counts
     * @param addressCap failures one client address may have in the window, whatever the accounts
     * @param accountCap failures of one account in the window (from all addresses) past which it is under attack
     */
    public LoginThrottle(Clock clock, Duration window, int addressCap, int accountCap) {
        this(clock, window, addressCap, accountCap, null);
    }

    private LoginThrottle(Clock clock, Duration window, int addressCap, int accountCap, Jdbi shared) {
        if (addressCap < FREE_ATTEMPTS || accountCap < addressCap) {
            throw new IllegalArgumentException("the address cap must be at least " + FREE_ATTEMPTS
                    + " and the account cap at least the address cap");
        }
        this.clock = clock;
        this.window = window;
        this.addressCap = addressCap;
        this.accountCap = accountCap;
        this.failures = shared == null ? new MemoryFailures(window) : new SharedFailures(shared, window);
    }

    /** Like the constructor, with the failures in the database, shared by every server on it. */
    public static LoginThrottle shared(Clock clock, Duration window, int addressCap, int accountCap, Jdbi jdbi) {
        return new LoginThrottle(clock, window, addressCap, accountCap, jdbi);
    }

    /**
     * Starts a sign-in attempt for {@code account} (a normalized email, known or not) from {@code address}. The
     * attempt counts as a failure until {@link Attempt#succeeded()} or {@link Attempt#withdraw()}.
     *
     * @throws TooManyRequestsException when this attempt must wait; nothing is counted then
     */
    public Attempt begin(String account, String address) {
        long now = clock.millis();
        String network = network(address);
        String pairKey = "pair:" + account + " " + network;
        String addressKey = "address:" + network;
        String accountKey = "account:" + account;
        List<String> keys = List.of(pairKey, addressKey, accountKey);
        long waitMillis = failures.locked(keys, now, counts -> {
            List<Long> pair = counts.recent(pairKey);
            List<Long> byAddress = counts.recent(addressKey);
            List<Long> byAccount = counts.recent(accountKey);
            long wait = Math.max(backoff(pair, byAccount.size() >= accountCap, now), cap(byAddress, now));
            if (wait == 0) {
                // why: the pair and the address counts need no trimming: an attempt is added only when its pair's
                // backoff and its address's cap let it through, which keeps them below about 20 and the address cap
                counts.add(pairKey, now, Integer.MAX_VALUE);
                counts.add(addressKey, now, Integer.MAX_VALUE);
                counts.add(accountKey, now, accountCap * ACCOUNT_SLACK);
            }
            return wait;
        });
        if (waitMillis > 0) {
            long seconds = Math.max(1, (waitMillis + 999) / 1000);
            throw new TooManyRequestsException("too many failed sign-ins; try again in " + seconds + " seconds", seconds);
        }
        return new Attempt(keys, pairKey, now);
    }

    private long backoff(List<Long> pair, boolean underAttack, long now) {
        int free = underAttack ? FREE_ATTEMPTS_UNDER_ATTACK : FREE_ATTEMPTS;
        if (pair.size() < free) {
            return 0;
        }
        long first = underAttack ? FIRST_DELAY_UNDER_ATTACK_MILLIS : FIRST_DELAY_MILLIS;
        int doublings = Math.min(pair.size() - free, 20);
        long delay = Math.min(first << doublings, window.toMillis());
        return Math.max(0, pair.getLast() + delay - now);
    }

    private long cap(List<Long> byAddress, long now) {
        if (byAddress.size() < addressCap) {
            return 0;
        }
        long oldestCounted = byAddress.get(byAddress.size() - addressCap);
        return Math.max(0, oldestCounted + window.toMillis() - now);
    }

    /** Where the failures are kept: the counts of an attempt's keys are read and added to under a lock of them. */
    interface Failures {
        /** Runs {@code work} with the counts of {@code keys} locked against other attempts on them. */
        long locked(List<String> keys, long now, ToLongFunction<Counts> work);

        /** Takes back one failure at {@code at} from each key. */
        void takeBack(List<String> keys, long at);

        /** Forgets every failure of the key. */
        void forget(String key);
    }

    /** The failures of the keys being locked. */
    interface Counts {
        /** The times of the key's failures within the window, oldest first. */
        List<Long> recent(String key);

        /** Adds a failure, keeping at most {@code keep} of the key's most recent. */
        void add(String key, long at, int keep);
    }

    /** One server's failures, in its memory. */
    private static final class MemoryFailures implements Failures {
        private final Map<String, Deque<Long>> failures = new HashMap<>();
        private final long windowMillis;

        MemoryFailures(Duration window) {
            this.windowMillis = window.toMillis();
        }

        @Override
        public synchronized long locked(List<String> keys, long now, ToLongFunction<Counts> work) {
            if (failures.size() > PRUNE_ABOVE) {
                failures.values().removeIf(q -> {
                    prune(q, now);
                    return q.isEmpty();
                });
            }
            return work.applyAsLong(new Counts() {
                @Override
                public List<Long> recent(String key) {
                    Deque<Long> q = failures.get(key);
                    if (q == null) {
                        return List.of();
                    }
                    prune(q, now);
                    return List.copyOf(q);
                }

                @Override
                public void add(String key, long at, int keep) {
                    Deque<Long> q = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
                    q.addLast(at);
                    while (q.size() > keep) {
                        q.removeFirst();
                    }
                }
            });
        }

        private void prune(Deque<Long> q, long now) {
            while (!q.isEmpty() && q.peekFirst() <= now - windowMillis) {
                q.removeFirst();
            }
        }

        @Override
        public synchronized void takeBack(List<String> keys, long at) {
            for (String key : keys) {
                Deque<Long> q = failures.get(key);
                if (q != null) {
                    q.removeLastOccurrence(at);
                    if (q.isEmpty()) {
                        failures.remove(key);
                    }
                }
            }
        }

        @Override
        public synchronized void forget(String key) {
            failures.remove(key);
        }
    }

    /**
     * The failures of every server on one PostgreSQL database, in {@code login_failures}. An attempt's keys are locked
     * with transaction-scoped advisory locks, taken in one order so that two attempts never wait for each other.
     */
    private static final class SharedFailures implements Failures {
        /** The advisory locks' first key: the throttle's own space of locks. */
        private static final int LOCK_SPACE = 0x4d4c5400;
        private final Jdbi jdbi;
        private final long windowMillis;
        private final AtomicInteger attempts = new AtomicInteger();

        SharedFailures(Jdbi jdbi, Duration window) {
            this.jdbi = jdbi;
            this.windowMillis = window.toMillis();
        }

        @Override
        public long locked(List<String> keys, long now, ToLongFunction<Counts> work) {
            return jdbi.inTransaction(h -> {
                for (int lock : keys.stream().mapToInt(String::hashCode).distinct().sorted().toArray()) {
                    h.createQuery("select pg_advisory_xact_lock(:space, :lock)").bind("space", LOCK_SPACE).bind("lock", lock)
                            .mapTo(String.class).one();
                }
                // why: a key's rows older than the window no longer count; now and then those of every key go too
                if (attempts.incrementAndGet() % PRUNE_EVERY == 0) {
                    h.createUpdate("delete from login_failures where at_ms <= :cutoff").bind("cutoff", now - windowMillis)
                            .execute();
                } else {
                    h.createUpdate("delete from login_failures where at_ms <= :cutoff and counter in (<keys>)")
                            .bind("cutoff", now - windowMillis).bindList("keys", keys).execute();
                }
                return work.applyAsLong(new Counts() {
                    @Override
                    public List<Long> recent(String key) {
                        return h.createQuery("select at_ms from login_failures where counter = :key order by at_ms, id")
                                .bind("key", key).mapTo(Long.class).list();
                    }

                    @Override
                    public void add(String key, long at, int keep) {
                        h.createUpdate("insert into login_failures (counter, at_ms) values (:key, :at)")
                                .bind("key", key).bind("at", at).execute();
                        if (keep < Integer.MAX_VALUE) {
                            h.createUpdate("""
                                    delete from login_failures where counter = :key and id not in (
                                        select id from login_failures where counter = :key order by at_ms desc, id desc
                                        limit :keep)
                                    """).bind("key", key).bind("keep", keep).execute();
                        }
                    }
                });
            });
        }

        @Override
        public void takeBack(List<String> keys, long at) {
            jdbi.useHandle(h -> {
                for (String key : keys) {
                    h.createUpdate("delete from login_failures where id = (select max(id) from login_failures "
                            + "where counter = :key and at_ms = :at)").bind("key", key).bind("at", at).execute();
                }
            });
        }

        @Override
        public void forget(String key) {
            jdbi.useHandle(h -> h.createUpdate("delete from login_failures where counter = :key").bind("key", key).execute());
        }
    }

    /** The key a client address counts under: the address itself, or the /64 network of an IPv6 address. */
    static String network(String address) {
        if (address == null || address.isBlank()) {
            return "unknown";
        }
        String literal = address.strip();
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        // why: only literals are parsed, so that a name never causes a DNS lookup
        if (!literal.matches("[0-9A-Fa-f:.]+")) {
            return literal;
        }
        try {
            InetAddress parsed = InetAddress.getByName(literal);
            if (parsed instanceof Inet6Address) {
                byte[] bytes = parsed.getAddress();
                return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
            }
            return parsed.getHostAddress();
        } catch (UnknownHostException e) {
            return literal;
        }
    }

    /** One sign-in attempt in progress, counted as a failure until it is known to be otherwise. */
    public final class Attempt {
        private final List<String> keys;
        private final String pairKey;
        private final long at;

        private Attempt(List<String> keys, String pairKey, long at) {
            this.keys = keys;
            this.pairKey = pairKey;
            this.at = at;
        }

        /** The password was right: the attempt is not a failure, and this account may be tried from here freely again. */
        public void succeeded() {
            failures.takeBack(keys, at);
            failures.forget(pairKey);
        }

        /** The password was never checked (the server was busy): the attempt does not count. */
        public void withdraw() {
            failures.takeBack(keys, at);
        }
    }
}
