package dev.magnet.github;

import dev.magnet.events.Redactor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kohsuke.github.GHAppInstallation;
import org.kohsuke.github.GHAppInstallationToken;

/**
 * Installation tokens of a GitHub App, each scoped to the one repository it is minted for. A token is reused
 * until it is within {@link #REFRESH_MARGIN} of its expiry (GitHub's last an hour) or GitHub refused it;
 * then the next caller gets a fresh one. Every token is registered with the {@link Redactor} when minted.
 */
final class InstallationTokens implements TokenSource {
    /** Refresh this long before expiry, so a git push or API call never starts with a token about to lapse. */
    static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

    private record Minted(String token, Instant expiresAt) {
    }

    private final AppJwt jwt;
    private final GitHubCalls calls;
    private final Redactor redactor;
    private final Clock clock;
    private final Map<String, Minted> byRepo = new ConcurrentHashMap<>();
    private final Map<String, Instant> registered = new ConcurrentHashMap<>();

    InstallationTokens(AppJwt jwt, GitHubCalls calls, Redactor redactor, Clock clock) {
        this.jwt = jwt;
        this.calls = calls;
        this.redactor = redactor;
        this.clock = clock;
    }

    @Override
    public String token(GitHubRepo repo) {
        String key = repo.fullName().toLowerCase(Locale.ROOT);
        Minted current = byRepo.get(key);
        if (current != null && clock.instant().isBefore(current.expiresAt().minus(REFRESH_MARGIN))) {
            return current.token();
        }
        synchronized (this) {
            current = byRepo.get(key);
            if (current != null && clock.instant().isBefore(current.expiresAt().minus(REFRESH_MARGIN))) {
                return current.token();
            }
            Minted fresh = mint(repo);
            byRepo.put(key, fresh);
            return fresh.token();
        }
    }

    @Override
    public void rejected(GitHubRepo repo, String token) {
        byRepo.computeIfPresent(repo.fullName().toLowerCase(Locale.ROOT), (k, m) -> m.token().equals(token) ? null : m);
    }

    private Minted mint(GitHubRepo repo) {
        GHAppInstallation installation;
        try {
            installation = calls.asApp(jwt, "looking up the GitHub App's installation on " + repo,
                    gh -> gh.getApp().getInstallationByRepository(repo.owner(), repo.name()));
        } catch (GitHubException e) {
            if (e.kind() == GitHubException.Kind.NOT_FOUND) {
                throw new GitHubException(GitHubException.Kind.NOT_FOUND, 404, "GitHub repository " + repo
                        + " was not found, or the GitHub App is not installed on it. " + e.getMessage());
            }
            throw e;
        }
        GHAppInstallationToken minted = calls.asApp(jwt, "minting an installation token for " + repo,
                gh -> installation.createToken().repositories(List.of(repo.name())).create());
        return new Minted(minted.getToken(), remember(minted));
    }

    /**
     * Masks a token of this App (minted here, or for a whole installation by a connection check) until an hour after
     * it expires, then forgets it like the others; returns its expiry.
     */
    Instant remember(GHAppInstallationToken minted) {
        Instant expiresAt = expiry(minted);
        redactor.register(minted.getToken());
        forgetExpired();
        registered.put(minted.getToken(), expiresAt);
        return expiresAt;
    }

    /** Tokens that have expired are useless to anyone; stop masking them so the redactor stays small. */
    private void forgetExpired() {
        Instant now = clock.instant();
        registered.entrySet().removeIf(e -> {
            if (e.getValue().isBefore(now.minus(Duration.ofHours(1)))) {
                redactor.forget(e.getKey());
                return true;
            }
            return false;
        });
    }

    private Instant expiry(GHAppInstallationToken minted) {
        Date expiresAt;
        try {
            // why: hub4j 1.x parses the expiry when asked and gives a java.util.Date (2.0 gives an Instant)
            expiresAt = minted.getExpiresAt();
        } catch (IOException e) {
            expiresAt = null;
        }
        // why: GitHub documents an hour; without a readable expiry assume less, so the refresh comes early
        return expiresAt != null ? expiresAt.toInstant() : clock.instant().plus(Duration.ofMinutes(30));
    }
}
