package dev.magnet.auth;

import dev.magnet.crypto.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Signed-in browsers (table {@code browser_sessions}). The cookie holds a random token of 256 bits; only its
 * SHA-256 hash is stored, so the table cannot be replayed. Each sign-in has its own CSRF token and a current
 * workspace that the user can switch.
 */
public final class BrowserSessions {
    public static final Duration LIFETIME = Duration.ofDays(7);
    private static final Duration LAST_SEEN_PRECISION = Duration.ofMinutes(1);
    private final Jdbi jdbi;
    private final Clock clock;

    public BrowserSessions(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** Signs a user in to a workspace: the returned token goes into the session cookie and is not kept. */
    public NewSignIn create(Handle h, String userId, String workspaceId) {
        String token = Tokens.random(32);
        String csrf = Tokens.random(24);
        Instant now = clock.instant();
        Instant expires = now.plus(LIFETIME);
        h.createUpdate("delete from browser_sessions where expires_at < :now").bind("now", now).execute();
        h.createUpdate("""
                insert into browser_sessions (token_hash, user_id, workspace_id, csrf_token, created_at, last_seen_at, expires_at)
                values (:hash, :user, :ws, :csrf, :at, :at, :expires)
                """)
                .bind("hash", ApiKeys.hash(token)).bind("user", userId).bind("ws", workspaceId).bind("csrf", csrf)
                .bind("at", now).bind("expires", expires).execute();
        return new NewSignIn(token, csrf, expires);
    }

    /** The signed-in actor a session cookie stands for; empty when unknown, expired or no longer a member. */
    public Optional<SignedIn> authenticate(String token) {
        if (token == null || token.isBlank() || token.length() > 100) {
            return Optional.empty();
        }
        String hash = ApiKeys.hash(token);
        Instant now = clock.instant();
        return jdbi.withHandle(h -> {
            Optional<SignedIn> found = h.createQuery("""
                    select s.user_id, u.name, u.email, s.workspace_id, m.role, s.csrf_token
                    from browser_sessions s
                    join users u on u.id = s.user_id
                    join memberships m on m.workspace_id = s.workspace_id and m.user_id = s.user_id
                    where s.token_hash = :hash and s.expires_at > :now
                    """)
                    .bind("hash", hash).bind("now", now)
                    .map((rs, ctx) -> new SignedIn(new Actor(rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5)), rs.getString(6), token))
                    .findOne();
            if (found.isPresent()) {
                h.createUpdate("update browser_sessions set last_seen_at = :now where token_hash = :hash and last_seen_at < :stale")
                        .bind("now", now).bind("hash", hash).bind("stale", now.minus(LAST_SEEN_PRECISION)).execute();
            }
            return found;
        });
    }

    public void switchWorkspace(Handle h, String token, String workspaceId) {
        h.createUpdate("update browser_sessions set workspace_id = :ws where token_hash = :hash")
                .bind("ws", workspaceId).bind("hash", ApiKeys.hash(token)).execute();
    }

    /** Signs this browser out. */
    public void delete(String token) {
        jdbi.useHandle(h -> h.createUpdate("delete from browser_sessions where token_hash = :hash")
                .bind("hash", ApiKeys.hash(token)).execute());
    }

    /** Signs the user out everywhere except the given browser (after a password change). */
    public void deleteOthers(Handle h, String userId, String keepToken) {
        h.createUpdate("delete from browser_sessions where user_id = :user and token_hash <> :keep")
                .bind("user", userId).bind("keep", keepToken == null ? "" : ApiKeys.hash(keepToken)).execute();
    }

    /** A new sign-in: the cookie token (shown to this browser only), its CSRF token and when it ends. */
    public record NewSignIn(String token, String csrfToken, Instant expiresAt) {
    }

    /** A browser session that authenticated: who, the CSRF token writes must repeat, and its own token. */
    public record SignedIn(Actor actor, String csrfToken, String token) {
    }
}
