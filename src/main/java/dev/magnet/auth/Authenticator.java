package dev.magnet.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;

/**
 * Decides who a request comes from. An {@code x-api-key} header wins over the browser cookie; a key is counted
 * against its rate limit. A cookie-authenticated request that may change something (any method but GET, HEAD
 * and OPTIONS) must repeat the sign-in's CSRF token in the {@code X-CSRF-Token} header.
 */
public final class Authenticator {
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private final ApiKeys keys;
    private final BrowserSessions browsers;
    private final RateLimiter limits;

    public Authenticator(ApiKeys keys, BrowserSessions browsers, RateLimiter limits) {
        this.keys = keys;
        this.browsers = browsers;
        this.limits = limits;
    }

    /**
     * Authenticates one request from what it presents.
     *
     * @param apiKey        the {@code x-api-key} header, or null
     * @param sessionToken  the session cookie, or null
     * @param method        the HTTP method
     * @param csrfHeader    the {@code X-CSRF-Token} header, or null
     */
    public Outcome authenticate(String apiKey, String sessionToken, String method, String csrfHeader) {
        if (apiKey != null) {
            Optional<ApiKeys.AuthenticatedKey> key = keys.authenticate(apiKey);
            if (key.isEmpty()) {
                return new Refused(401, "this API key is not valid (unknown or revoked)", 0);
            }
            long wait = limits.acquire(key.get().actor().apiKeyId(), key.get().ratePerMinute());
            if (wait > 0) {
                return new Refused(429, "this API key made too many requests; try again in " + wait + " seconds", wait);
            }
            return new Authenticated(key.get().actor(), null);
        }
        if (sessionToken != null) {
            Optional<BrowserSessions.SignedIn> signedIn = browsers.authenticate(sessionToken);
            if (signedIn.isEmpty()) {
                return new Refused(401, "the sign-in has expired or was ended; sign in again", 0);
            }
            if (!SAFE_METHODS.contains(method) && !sameToken(csrfHeader, signedIn.get().csrfToken())) {
                return new Refused(403, "a signed-in browser must send the X-CSRF-Token header with the value of the "
                        + "magnet_csrf cookie", 0);
            }
            return new Authenticated(signedIn.get().actor(), signedIn.get().token());
        }
        return new Refused(401, "sign in, or send an API key in the x-api-key header", 0);
    }

    /**
     * Checks again that a caller authenticated earlier may still act as {@code actor}, for requests that outlive one
     * check (event streams).
     *
     * @param browserToken the session cookie the caller proved, or null when it used an API key
     * @return why the caller may no longer act (the key was revoked, the browser signed out, the user left the
     *         workspace), or empty while it still may
     */
    public Optional<String> recheck(Actor actor, String browserToken) {
        if (actor.viaApiKey()) {
            return keys.isUsable(actor.apiKeyId()) ? Optional.empty()
                    : Optional.of("the API key was revoked or its owner left the workspace");
        }
        Optional<BrowserSessions.SignedIn> signedIn = browserToken == null ? Optional.empty() : browsers.authenticate(browserToken);
        if (signedIn.isEmpty() || !signedIn.get().actor().userId().equals(actor.userId())) {
            return Optional.of("the browser signed out, or the user left the workspace");
        }
        if (!signedIn.get().actor().workspaceId().equals(actor.workspaceId())) {
            return Optional.of("the browser switched to another workspace");
        }
        return Optional.empty();
    }

    private static boolean sameToken(String presented, String expected) {
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    /** What authentication found. */
    public sealed interface Outcome permits Authenticated, Refused {
    }

    /** A known caller; {@code browserToken} is the session cookie when the browser proved it. */
    public record Authenticated(Actor actor, String browserToken) implements Outcome {
    }

    /** No access: the HTTP status to answer (401, 403 or 429), why, and for 429 when to try again. */
    public record Refused(int status, String detail, long retryAfterSeconds) implements Outcome {
    }
}
