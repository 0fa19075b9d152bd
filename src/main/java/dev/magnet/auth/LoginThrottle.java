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
 * An IPv6 client counts by its /64 network, which one host usually has to itself. In memory, per replica.
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

    private final Clock clock;
    private final Duration window;
    private final int addressCap;
    private final int accountCap;
    private final Map<String, Deque<Long>> failures = new HashMap<>();

    /**
     * @param window     how long a failure counts
     * @param addressCap failures one client address may have in the window, whatever the accounts
     * @param accountCap failures of one account in the window (from all addresses) past which it is under attack
     */
    public LoginThrottle(Clock clock, Duration window, int addressCap, int accountCap) {
        if (addressCap < FREE_ATTEMPTS || accountCap < addressCap) {
            throw new IllegalArgumentException("the address cap must be at least " + FREE_ATTEMPTS
                    + " and the account cap at least the address cap");
        }
        this.clock = clock;
        this.window = window;
        this.addressCap = addressCap;
        this.accountCap = accountCap;
    }

    /**
     * Starts a sign-in attempt for {@code account} (a normalized email, known or not) from {@code address}. The
     * attempt counts as a failure until {@link Attempt#succeeded()} or {@link Attempt#withdraw()}.
     *
     * @throws TooManyRequestsException when this attempt must wait; nothing is counted then
     */
    public synchronized Attempt begin(String account, String address) {
        long now = clock.millis();
        String network = network(address);
        String pairKey = "pair:" + account + " " + network;
        String addressKey = "address:" + network;
        String accountKey = "account:" + account;
        if (failures.size() > PRUNE_ABOVE) {
            failures.values().removeIf(q -> {
                prune(q, now);
                return q.isEmpty();
            });
        }
        Deque<Long> pair = recent(pairKey, now);
        Deque<Long> byAddress = recent(addressKey, now);
        Deque<Long> byAccount = recent(accountKey, now);
        long waitMillis = Math.max(backoff(pair, byAccount.size() >= accountCap, now), cap(byAddress, now));
        if (waitMillis > 0) {
            long seconds = Math.max(1, (waitMillis + 999) / 1000);
            throw new TooManyRequestsException("too many failed sign-ins; try again in " + seconds + " seconds", seconds);
        }
        // why: the pair and the address deques need no trimming: an attempt is added only when its pair's backoff and
        // its address's cap let it through, which keeps them below about 20 entries and the address cap
        add(pairKey, pair, now, Integer.MAX_VALUE);
        add(addressKey, byAddress, now, Integer.MAX_VALUE);
        add(accountKey, byAccount, now, accountCap * ACCOUNT_SLACK);
        return new Attempt(List.of(pairKey, addressKey, accountKey), pairKey, now);
    }

    private long backoff(Deque<Long> pair, boolean underAttack, long now) {
        int free = underAttack ? FREE_ATTEMPTS_UNDER_ATTACK : FREE_ATTEMPTS;
        if (pair.size() < free) {
            return 0;
        }
        long first = underAttack ? FIRST_DELAY_UNDER_ATTACK_MILLIS : FIRST_DELAY_MILLIS;
        int doublings = Math.min(pair.size() - free, 20);
        long delay = Math.min(first << doublings, window.toMillis());
        return Math.max(0, pair.peekLast() + delay - now);
    }

    private long cap(Deque<Long> byAddress, long now) {
        if (byAddress.size() < addressCap) {
            return 0;
        }
        long oldestCounted = byAddress.stream().skip(byAddress.size() - addressCap).findFirst().orElse(now);
        return Math.max(0, oldestCounted + window.toMillis() - now);
    }

    private Deque<Long> recent(String key, long now) {
        Deque<Long> q = failures.get(key);
        if (q == null) {
            return new ArrayDeque<>();
        }
        prune(q, now);
        return q;
    }

    private void add(String key, Deque<Long> q, long at, int keep) {
        q.addLast(at);
        while (q.size() > keep) {
            q.removeFirst();
        }
        failures.put(key, q);
    }

    private void prune(Deque<Long> q, long now) {
        while (!q.isEmpty() && q.peekFirst() <= now - window.toMillis()) {
            q.removeFirst();
        }
    }

    private synchronized void takeBack(List<String> keys, long at) {
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

    private synchronized void forget(String key) {
        failures.remove(key);
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
            takeBack(keys, at);
            forget(pairKey);
        }

        /** The password was never checked (the server was busy): the attempt does not count. */
        public void withdraw() {
            takeBack(keys, at);
        }
    }
}
