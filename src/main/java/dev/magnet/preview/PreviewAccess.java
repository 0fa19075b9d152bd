package dev.magnet.preview;

import dev.magnet.auth.Actor;
import dev.magnet.auth.Authenticator;
import dev.magnet.crypto.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may see a preview: members of the session's workspace, proved on the preview origin by a cookie that a one-time
 * link sets, or by an API key. The session page asks Magnet's API for a link ({@link #link}), valid for
 * {@link #LINK_LIFETIME} and once; opening it on the preview origin trades it for a cookie of that origin only
 * ({@link #enter}), valid for {@link #GRANT_LIFETIME} while the browser sign-in (or key) it came from still may act in
 * the workspace (checked again every {@link #RECHECK}). Links and cookies live in this server's memory.
 */
public final class PreviewAccess {
    static final Duration LINK_LIFETIME = Duration.ofSeconds(60);
    static final Duration GRANT_LIFETIME = Duration.ofHours(12);
    static final Duration RECHECK = Duration.ofSeconds(30);
    private static final int MAX_ENTRIES = 10_000;

    private final Authenticator authenticator;
    private final Clock clock;
    private final Map<String, Grant> links = new ConcurrentHashMap<>();
    private final Map<String, Grant> cookies = new ConcurrentHashMap<>();

    /** What a link or cookie lets in: one session's preview, as the caller who asked for it. */
    private record Grant(String sessionId, Actor actor, String browserToken, Instant expires, Instant checked) {
        Grant checkedAt(Instant now) {
            return new Grant(sessionId, actor, browserToken, expires, now);
        }
    }

    public PreviewAccess(Authenticator authenticator, Clock clock) {
        this.authenticator = authenticator;
        this.clock = clock;
    }

    /** A one-time token for the preview of {@code sessionId}, for a caller already known to belong to its workspace. */
    public String link(Actor actor, String browserToken, String sessionId) {
        Instant now = clock.instant();
        prune(links, now);
        String token = Tokens.random(24);
        links.put(token, new Grant(sessionId, actor, browserToken, now.plus(LINK_LIFETIME), now));
        return token;
    }

    /** Uses up a link's token: the value of the preview cookie it gives, when it is valid and for {@code sessionId}. */
    Optional<String> enter(String token, String sessionId) {
        Instant now = clock.instant();
        Grant g = token == null ? null : links.remove(token);
        if (g == null || !g.sessionId().equals(sessionId) || now.isAfter(g.expires())) {
            return Optional.empty();
        }
        prune(cookies, now);
        String cookie = Tokens.random(32);
        cookies.put(cookie, new Grant(sessionId, g.actor(), g.browserToken(), now.plus(GRANT_LIFETIME), now));
        return Optional.of(cookie);
    }

    /** The caller a preview cookie stands for, when it is valid for {@code sessionId}. */
    Optional<Actor> byCookie(String cookie, String sessionId) {
        Instant now = clock.instant();
        Grant g = cookie == null ? null : cookies.get(cookie);
        if (g == null || !g.sessionId().equals(sessionId)) {
            return Optional.empty();
        }
        if (now.isAfter(g.expires())) {
            cookies.remove(cookie);
            return Optional.empty();
        }
        if (now.isAfter(g.checked().plus(RECHECK))) {
            if (authenticator.recheck(g.actor(), g.browserToken()).isPresent()) {
                cookies.remove(cookie);
                return Optional.empty();
            }
            cookies.put(cookie, g.checkedAt(now));
        }
        return Optional.of(g.actor());
    }

    /** The outcome of an API key presented on a preview origin. */
    Authenticator.Outcome byApiKey(String key) {
        return authenticator.authenticate(key, null, "GET", null);
    }

    private void prune(Map<String, Grant> map, Instant now) {
        map.values().removeIf(g -> now.isAfter(g.expires()));
        if (map.size() >= MAX_ENTRIES) {
            map.entrySet().stream().min(java.util.Comparator.comparing(e -> e.getValue().expires()))
                    .ifPresent(e -> map.remove(e.getKey()));
        }
    }
}
