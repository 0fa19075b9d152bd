package dev.magnet.config;

import dev.magnet.logging.LogFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything Magnet is configured with (SPEC §7), read once from the environment at start.
 *
 * @param port                 HTTP port of API and UI ({@code MAGNET_PORT}, 7070; 0 picks a free one)
 * @param dataDir              where mirrors, workspaces, agent homes and the embedded database live
 * @param databaseUrl          JDBC URL; H2 file in the data dir unless a {@code jdbc:postgresql:} URL is given
 * @param anthropicApiKey      the real model key, used only by the relay; null when not configured
 * @param anthropicBaseUrl     the model API the relay forwards to
 * @param bootstrapApiKey      becomes the first admin's API key on a fresh install; null for a generated one
 * @param defaultModel         model used when a session names none
 * @param allowLocalRepos      whether local paths and file:// URLs are accepted as repositories
 *                             ({@code MAGNET_ALLOW_LOCAL_REPOS}, false)
 * @param localRepoRoots       the folders local repositories must lie under ({@code MAGNET_LOCAL_REPO_ROOTS},
 *                             {@code :}-separated, real paths); never the data dir
 * @param claudeBin            the pinned Claude Code CLI
 * @param modelMaxRetries      retry budget of the CLI for model API errors
 * @param maxConcurrentSessions how many sessions run at once on this server
 * @param gitName              the workspace's git identity (the agent's commits)
 * @param gitEmail             the workspace's git identity (the agent's commits)
 * @param publicUrl            how links back to Magnet are written
 * @param leaseDuration        how long a runner's claim on a session lasts without a heartbeat
 * @param accounts             sign-in, cookies, single sign-on and API key limits
 * @param secretKey            key material for encrypting secrets at rest ({@code MAGNET_SECRET_KEY}); null: a
 *                             random key kept in {@code <dataDir>/secret.key}
 * @param github               the GitHub integration of the environment ({@code MAGNET_GITHUB_*})
 * @param sandbox              how sessions are sandboxed and limited
 * @param limits               bounds on what one session may take (lines, bodies, connections, time)
 * @param privateAddresses     hosts and CIDR ranges that user-given URLs may reach although they are loopback,
 *                             link-local or private ({@code MAGNET_ALLOW_PRIVATE_ADDRESSES}, comma-separated); empty:
 *                             none
 * @param quotas               how the server is shared: per workspace and person, queue sizes, budgets
 * @param environments         the registries list and the setup time limit of environments
 * @param metricsToken         the bearer token {@code /metrics} asks for ({@code MAGNET_METRICS_TOKEN}); null: metrics
 *                             are not served
 * @param webhooks             the outgoing webhooks' retries
 * @param githubLoop           what on GitHub (comments, labels, check runs) calls Magnet
 */
public record MagnetConfig(
        int port,
        Path dataDir,
        String databaseUrl,
        String anthropicApiKey,
        String anthropicBaseUrl,
        String bootstrapApiKey,
        String defaultModel,
        boolean allowLocalRepos,
        Path claudeBin,
        int modelMaxRetries,
        int maxConcurrentSessions,
        String gitName,
        String gitEmail,
        String publicUrl,
        Duration leaseDuration,
        AccountSettings accounts,
        String secretKey,
        GitHubConfig github,
        SandboxConfig sandbox,
        List<Path> localRepoRoots,
        SessionLimits limits,
        List<String> privateAddresses,
        Quotas quotas,
        EnvironmentSettings environments,
        String metricsToken,
        WebhookSettings webhooks,
        GitHubLoopSettings githubLoop) {

    public static final String DEFAULT_MODEL = "claude-opus-4-6";

    public MagnetConfig {
        Objects.requireNonNull(dataDir, "dataDir: set MAGNET_DATA_DIR");
        Objects.requireNonNull(databaseUrl, "databaseUrl: set MAGNET_DATABASE_URL");
        Objects.requireNonNull(claudeBin, "claudeBin: set MAGNET_CLAUDE_BIN to the Claude Code CLI");
        Objects.requireNonNull(accounts, "accounts: build them with AccountSettings.fromEnvironment");
        Objects.requireNonNull(sandbox, "sandbox");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("MAGNET_PORT must be 0..65535, was " + port);
        }
        if (maxConcurrentSessions < 1) {
            throw new IllegalArgumentException("MAGNET_MAX_SESSIONS must be at least 1");
        }
        if (anthropicApiKey != null && anthropicApiKey.isBlank()) {
            anthropicApiKey = null;
        }
        if (bootstrapApiKey != null && bootstrapApiKey.isBlank()) {
            bootstrapApiKey = null;
        }
        if (secretKey != null && secretKey.isBlank()) {
            secretKey = null;
        }
        if (secretKey == null && sandbox.provider() == SandboxConfig.Provider.KUBERNETES) {
            // why: session pods' gateway tokens are signed with it, and any server may have to check a pod's token
            throw new IllegalArgumentException("MAGNET_SANDBOX=kubernetes needs MAGNET_SECRET_KEY, the same on every server");
        }
        github = github == null ? GitHubConfig.none() : github;
        localRepoRoots = List.copyOf(localRepoRoots);
        Objects.requireNonNull(limits, "limits: build them with SessionLimits.fromEnvironment");
        privateAddresses = List.copyOf(privateAddresses);
        quotas = quotas == null ? Quotas.none() : quotas;
        environments = environments == null ? EnvironmentSettings.defaults() : environments;
        webhooks = webhooks == null ? WebhookSettings.defaults() : webhooks;
        githubLoop = githubLoop == null ? GitHubLoopSettings.defaults() : githubLoop;
        if (metricsToken != null && metricsToken.isBlank()) {
            metricsToken = null;
        }
        if (allowLocalRepos && localRepoRoots.isEmpty()) {
            throw new IllegalArgumentException("MAGNET_ALLOW_LOCAL_REPOS=true needs MAGNET_LOCAL_REPO_ROOTS: the folders "
                    + "(':'-separated) that local repositories must lie under, e.g. MAGNET_LOCAL_REPO_ROOTS=/srv/git");
        }
    }

    /** Reads the configuration from environment variables, with the defaults of SPEC §7. */
    public static MagnetConfig fromEnvironment(Map<String, String> env) {
        // why: logback.xml reads MAGNET_LOG_FORMAT itself; a value it does not know stops the start here, with why
        LogFormat.parse(env.get(LogFormat.SETTING));
        Path dataDir = Path.of(env.getOrDefault("MAGNET_DATA_DIR", "data")).toAbsolutePath().normalize();
        String dbUrl = env.getOrDefault("MAGNET_DATABASE_URL", h2UrlFor(dataDir));
        int port = parseInt(env, "MAGNET_PORT", 7070);
        return new MagnetConfig(
                port,
                dataDir,
                dbUrl,
                env.get("ANTHROPIC_API_KEY"),
                env.getOrDefault("ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
                env.get("MAGNET_BOOTSTRAP_API_KEY"),
                env.getOrDefault("MAGNET_DEFAULT_MODEL", DEFAULT_MODEL),
                Boolean.parseBoolean(env.getOrDefault("MAGNET_ALLOW_LOCAL_REPOS", "false")),
                Path.of(env.getOrDefault("MAGNET_CLAUDE_BIN", defaultClaudeBin())).toAbsolutePath(),
                parseInt(env, "MAGNET_MODEL_MAX_RETRIES", 2),
                parseInt(env, "MAGNET_MAX_SESSIONS", 8),
                env.getOrDefault("MAGNET_GIT_NAME", "Magnet"),
                env.getOrDefault("MAGNET_GIT_EMAIL", "magnet@localhost"),
                env.getOrDefault("MAGNET_PUBLIC_URL", "http://localhost:" + port),
                Duration.ofSeconds(parseInt(env, "MAGNET_LEASE_SECONDS", 30)),
                AccountSettings.fromEnvironment(env),
                env.get("MAGNET_SECRET_KEY"),
                GitHubConfig.fromEnvironment(env),
                SandboxConfig.fromEnvironment(env),
                list(env, "MAGNET_LOCAL_REPO_ROOTS", ":").stream().map(p -> Path.of(p).toAbsolutePath().normalize()).toList(),
                SessionLimits.fromEnvironment(env),
                list(env, "MAGNET_ALLOW_PRIVATE_ADDRESSES", ","),
                Quotas.fromEnvironment(env),
                EnvironmentSettings.fromEnvironment(env),
                env.get("MAGNET_METRICS_TOKEN"),
                WebhookSettings.fromEnvironment(env),
                GitHubLoopSettings.fromEnvironment(env));
    }

    private static List<String> list(Map<String, String> env, String name, String separator) {
        return Arrays.stream(env.getOrDefault(name, "").split(separator)).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** The embedded database: an H2 file in the data dir, in PostgreSQL mode so one migration set serves both. */
    public static String h2UrlFor(Path dataDir) {
        // why: H2 writes commits to its file up to 500 ms late by default, so a kill -9 lost events that were
        // already committed and published (RestartIT saw it); WRITE_DELAY=0 writes each commit at once
        // why: H2 gives up on a row lock after 1 s by default; a session's writers queue on its row (events are
        // numbered under it), and on a loaded 2-core machine a queue of them took longer (a contract test saw it)
        return "jdbc:h2:file:" + dataDir.resolve("db/magnet")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=FALSE;WRITE_DELAY=0"
                + ";LOCK_TIMEOUT=10000"
                // why: H2 closes itself from its own shutdown hook, before Magnet's has let sessions finish their
                // writes and handed them back (GracefulShutdownIT saw "Database is already closed"); Magnet closes it
                + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    public boolean isPostgres() {
        return databaseUrl.startsWith("jdbc:postgresql:");
    }

    public boolean hasModelKey() {
        return anthropicApiKey != null;
    }

    public MagnetConfig withPort(int newPort) {
        return new MagnetConfig(newPort, dataDir, databaseUrl, anthropicApiKey, anthropicBaseUrl, bootstrapApiKey,
                defaultModel, allowLocalRepos, claudeBin, modelMaxRetries, maxConcurrentSessions, gitName, gitEmail,
                publicUrl, leaseDuration, accounts, secretKey, github, sandbox, localRepoRoots, limits, privateAddresses,
                quotas, environments, metricsToken, webhooks, githubLoop);
    }

    private static String defaultClaudeBin() {
        Path local = Path.of(".tools/node_modules/.bin/claude");
        return Files.exists(local) ? local.toString() : "claude";
    }

    static long parseLong(Map<String, String> env, String name, long fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'");
        }
    }

    private static int parseInt(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'");
        }
    }

    @Override
    public String toString() {
        // why: the record's default toString would print the model key into logs
        return "MagnetConfig[port=" + port + ", dataDir=" + dataDir + ", database=" + (isPostgres() ? "postgresql" : "h2")
                + ", modelKey=" + (hasModelKey() ? "set" : "missing") + ", baseUrl=" + anthropicBaseUrl + ", " + accounts
                + ", " + github + ", sandbox=" + sandbox.provider().setting() + "]";
    }
}
