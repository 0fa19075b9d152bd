package dev.magnet.github;

import dev.magnet.config.GitHubConfig;
import dev.magnet.crypto.SecretBox;
import dev.magnet.events.Redactor;
import dev.magnet.session.HostedRepos;
import dev.magnet.web.InvalidRequestException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;

/**
 * The GitHub integration of each workspace: the one it set through the API, else the one of the environment
 * ({@code MAGNET_GITHUB_*}) when the operator shares it with the workspace ({@code MAGNET_GITHUB_SHARED_WITH}; by
 * default only the workspace made on the first start). To any other workspace the environment's credentials do not
 * exist. Hands out a {@link GitHubAccess} per integration (kept, so its installation tokens
 * are reused) and decides which repository inputs are GitHub repositories.
 */
public final class GitHubIntegration implements HostedRepos {
    private final Jdbi jdbi;
    private final IntegrationRepository repository;
    private final GitHubSettings environment;
    private final GitHubConfig config;
    private final Redactor redactor;
    private final Clock clock;
    private final String firstWorkspaceId;
    private final Map<GitHubSettings, GitHubAccess> accesses = new ConcurrentHashMap<>();
    private final Map<String, Listed> listed = new ConcurrentHashMap<>();

    /** The repositories a workspace's integration reached, read at {@code at} with {@code settings}. */
    private record Listed(GitHubSettings settings, GitHubAccess.Connection connection, Instant at) {
    }

    /** How long a workspace's list of repositories is reused before GitHub is asked again. */
    static final Duration LIST_FOR = Duration.ofMinutes(1);
    /** The most repositories listed for the picker (GitHub serves them 100 to a page). */
    static final int MAX_LISTED = 1000;

    /** @param firstWorkspaceId the workspace made on the first start (what {@code MAGNET_GITHUB_SHARED_WITH=first} names) */
    public GitHubIntegration(Jdbi jdbi, GitHubConfig config, SecretBox box, Redactor redactor, Clock clock,
                             String firstWorkspaceId) {
        this.jdbi = jdbi;
        this.repository = new IntegrationRepository(box);
        this.config = config;
        this.firstWorkspaceId = firstWorkspaceId;
        this.environment = GitHubSettings.of(config);
        this.redactor = redactor;
        this.clock = clock;
        if (environment != null) {
            redactor.register(environment.token());
            redactor.register(environment.webhookSecret());
        }
    }

    /** The integration a workspace uses, if any: its own, else the environment's when that is shared with it. */
    public Optional<GitHubSettings> settings(String workspaceId) {
        Optional<GitHubSettings> own = jdbi.withHandle(h -> repository.find(h, workspaceId));
        return own.isPresent() ? own : Optional.ofNullable(environment).filter(e -> sharesEnvironmentWith(workspaceId));
    }

    /** Whether the operator lets this workspace use the environment's credentials when it has none of its own. */
    boolean sharesEnvironmentWith(String workspaceId) {
        return workspaceId != null && config.sharedWith().includes(workspaceId, firstWorkspaceId);
    }

    /** Whether the workspace works with the environment's integration (it has none of its own and may use it). */
    boolean usesEnvironment(String workspaceId) {
        return environment != null && sharesEnvironmentWith(workspaceId) && !hasOwn(workspaceId);
    }

    /** The integration of a workspace at work, if it has one. */
    public Optional<GitHubAccess> access(String workspaceId) {
        return settings(workspaceId).map(this::accessFor);
    }

    /**
     * Checks credentials against their API before anyone relies on them (nothing is stored or kept).
     *
     * @throws GitHubException naming what GitHub refused or why it could not be reached
     */
    public GitHubAccess.Connection check(GitHubSettings settings) {
        // why: its own redactor: the server's would keep every credential ever tested (each event is redacted against
        // all of them), and these are neither stored nor given to a sandbox
        return new GitHubAccess(settings, new Redactor(), clock, config.maxRateLimitWait()).connect(100);
    }

    /**
     * The repositories the workspace's integration reaches, read from GitHub at most once a {@link #LIST_FOR} per
     * workspace; empty when the workspace has no integration.
     *
     * @throws GitHubException when GitHub refuses the credentials or cannot be reached
     */
    public Optional<GitHubAccess.Connection> repositories(String workspaceId) {
        Optional<GitHubSettings> settings = settings(workspaceId);
        if (settings.isEmpty()) {
            return Optional.empty();
        }
        Listed known = listed.get(workspaceId);
        if (known != null && known.settings().equals(settings.get()) && clock.instant().isBefore(known.at().plus(LIST_FOR))) {
            return Optional.of(known.connection());
        }
        GitHubAccess.Connection fresh = accessFor(settings.get()).connect(MAX_LISTED);
        listed.put(workspaceId, new Listed(settings.get(), fresh, clock.instant()));
        return Optional.of(fresh);
    }

    /** Sets a workspace's own integration (secrets stored encrypted); it replaces the environment's for it. */
    public GitHubSettings save(String workspaceId, GitHubSettings settings) {
        if (settings.isApp()) {
            new AppJwt(settings.appId(), settings.privateKey(), clock);
        }
        jdbi.useTransaction(h -> repository.save(h, workspaceId, settings, clock.instant()));
        listed.remove(workspaceId);
        return settings;
    }

    /** Removes a workspace's own integration; it falls back to the environment's. */
    public boolean remove(String workspaceId) {
        listed.remove(workspaceId);
        return jdbi.inTransaction(h -> repository.delete(h, workspaceId));
    }

    /** The environment's webhook secret, if set. */
    Optional<String> environmentWebhookSecret() {
        return Optional.ofNullable(environment).map(GitHubSettings::webhookSecret);
    }

    /** Webhook secrets that workspaces set through the API, by workspace id. */
    Map<String, String> workspaceWebhookSecrets() {
        return jdbi.withHandle(repository::webhookSecrets);
    }

    /** Whether the workspace uses its own integration (not the environment's). */
    boolean hasOwn(String workspaceId) {
        return jdbi.withHandle(h -> repository.find(h, workspaceId)).isPresent();
    }

    /** The workspace made on the first start, if known. */
    Optional<String> firstWorkspace() {
        return Optional.ofNullable(firstWorkspaceId);
    }

    GitHubConfig config() {
        return config;
    }

    @Override
    public Optional<String> canonicalName(String workspaceId, String input) {
        Optional<GitHubSettings> settings = settings(workspaceId);
        Set<String> hosts = settings.map(GitHubSettings::webHosts).orElse(Set.of("github.com", "www.github.com"));
        Optional<GitHubRepo> repo = GitHubRepo.parse(input, hosts);
        if (repo.isEmpty()) {
            if (GitHubRepo.onHost(input, hosts)) {
                // why: any other form (ssh, a user in the URL, a page below the repository) would reach GitHub
                // without the integration's credentials and checks
                throw new InvalidRequestException("repo", "'" + input + "' is on GitHub but not in a form Magnet takes: "
                        + "name the repository as owner/name (or https://github.com/owner/name)");
            }
            return Optional.empty();
        }
        if (settings.isEmpty() && environment != null) {
            throw new InvalidRequestException("repo", "'" + input + "' is a GitHub repository, but GitHub is not connected "
                    + "for this workspace: an admin can set its own with PUT /api/github/integration, or the operator can "
                    + "share the server's with it (MAGNET_GITHUB_SHARED_WITH)");
        }
        if (settings.isEmpty()) {
            throw new InvalidRequestException("repo", "'" + input + "' is a GitHub repository, but GitHub is not connected: "
                    + "set MAGNET_GITHUB_TOKEN, or MAGNET_GITHUB_APP_ID and MAGNET_GITHUB_APP_PRIVATE_KEY, where the "
                    + "server runs, or PUT /api/github/integration");
        }
        return Optional.of(repo.get().fullName());
    }

    private GitHubAccess accessFor(GitHubSettings settings) {
        return accesses.computeIfAbsent(settings, s -> new GitHubAccess(s, redactor, clock, config.maxRateLimitWait()));
    }
}
