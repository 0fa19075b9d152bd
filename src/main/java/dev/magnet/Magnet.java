package dev.magnet;

import dev.magnet.auth.AccountRoutes;
import dev.magnet.auth.AccountService;
import dev.magnet.auth.Accounts;
import dev.magnet.auth.ApiKeys;
import dev.magnet.auth.AuthenticationFilter;
import dev.magnet.auth.AuditLog;
import dev.magnet.auth.AuditRoutes;
import dev.magnet.auth.Authenticator;
import dev.magnet.auth.Bootstrap;
import dev.magnet.auth.BrowserSessions;
import dev.magnet.auth.Invites;
import dev.magnet.auth.KeyRoutes;
import dev.magnet.auth.KeyService;
import dev.magnet.auth.LoginThrottle;
import dev.magnet.auth.MemberRoutes;
import dev.magnet.auth.OidcClient;
import dev.magnet.auth.PasswordHashing;
import dev.magnet.auth.RateLimiter;
import dev.magnet.auth.SessionCookies;
import dev.magnet.budget.Budgets;
import dev.magnet.budget.SpendLedger;
import dev.magnet.environment.EnvironmentRoutes;
import dev.magnet.environment.EnvironmentService;
import dev.magnet.config.AccountSettings;
import dev.magnet.config.MagnetConfig;
import dev.magnet.events.EventHub;
import dev.magnet.events.EventLog;
import dev.magnet.events.SessionChanges;
import dev.magnet.events.Redactor;
import dev.magnet.gateway.EgressPolicy;
import dev.magnet.gateway.Gateway;
import dev.magnet.gateway.ModelRelay;
import dev.magnet.git.Git;
import dev.magnet.git.Mirrors;
import dev.magnet.git.OriginPolicy;
import dev.magnet.git.SessionRepos;
import dev.magnet.git.WorkspaceTransfer;
import dev.magnet.net.AddressPolicy;
import dev.magnet.github.GitHubEventPoller;
import dev.magnet.github.GitHubIntegration;
import dev.magnet.github.GitHubLoopStore;
import dev.magnet.github.GitHubRoutes;
import dev.magnet.github.GitHubTriggers;
import dev.magnet.github.PullRequestPoller;
import dev.magnet.github.PullRequestRecorder;
import dev.magnet.github.PullRequests;
import dev.magnet.github.Webhooks;
import dev.magnet.health.HealthRoutes;
import dev.magnet.health.ServerMetrics;
import dev.magnet.health.SessionPhaseTelemetry;
import dev.magnet.runner.EgressEvents;
import dev.magnet.runner.RunnerMetrics;
import dev.magnet.runner.SessionRunner;
import dev.magnet.config.KubernetesConfig;
import dev.magnet.config.SandboxConfig;
import dev.magnet.sandbox.kubernetes.KubernetesSandboxProvider;
import dev.magnet.sandbox.kubernetes.KubernetesSettings;
import dev.magnet.sandbox.kubernetes.PodTokens;
import dev.magnet.sandbox.BwrapSandboxProvider;
import dev.magnet.sandbox.Images;
import dev.magnet.sandbox.Cgroups;
import dev.magnet.sandbox.DataDir;
import dev.magnet.sandbox.HostCheck;
import dev.magnet.sandbox.ResourceLimits;
import dev.magnet.sandbox.SandboxProvider;
import dev.magnet.sandbox.SandboxUser;
import dev.magnet.sandbox.UnisolatedSandbox;
import dev.magnet.session.SessionRoutes;
import dev.magnet.preview.PreviewAccess;
import dev.magnet.preview.PreviewProxy;
import dev.magnet.preview.PreviewRoutes;
import dev.magnet.preview.PreviewTargets;
import dev.magnet.preview.PreviewUrls;
import dev.magnet.config.EnvironmentSettings;
import dev.magnet.session.RepoNames;
import dev.magnet.session.SessionService;
import dev.magnet.session.SessionStore;
import dev.magnet.session.SessionStreamRoutes;
import dev.magnet.session.WorkspaceStreamRoutes;
import dev.magnet.store.Database;
import dev.magnet.store.Notifications;
import dev.magnet.crypto.Tokens;
import dev.magnet.events.RedactingConverter;
import dev.magnet.crypto.SecretBox;
import dev.magnet.web.RouteTable;
import dev.magnet.web.StaticRoutes;
import dev.magnet.web.UiRoutes;
import dev.magnet.web.WebServer;
import dev.magnet.webhooks.WebhookEndpoints;
import dev.magnet.webhooks.WebhookOutbox;
import dev.magnet.webhooks.WebhookRoutes;
import dev.magnet.webhooks.WebhookSender;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every part of Magnet with its constructor, starts them in order and stops them
 * in reverse. Nothing else wires components.
 */
public final class Magnet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Magnet.class);
    /** How long a failed sign-in counts against its account and address. */
    private static final Duration LOGIN_WINDOW = Duration.ofMinutes(15);

    private final MagnetConfig config;
    private final Database database;
    private final Notifications notifications;
    private final ModelRelay relay;
    private final SessionRunner runner;
    private final PullRequestPoller poller;
    private final GitHubEventPoller eventPoller;
    private final WebhookSender webhookSender;
    private final WebServer web;
    private final RouteTable routes;
    private final Bootstrap.Result firstStart;
    private final ServerMetrics metrics;
    private final PreviewProxy preview;
    /** The sandbox provider's own resources (the Kubernetes client, pod watch, pod gateway and reconciler), if any. */
    private final AutoCloseable sandboxResources;

    private Magnet(MagnetConfig config, Database database, Notifications notifications, ModelRelay relay, SessionRunner runner,
                   PullRequestPoller poller, GitHubEventPoller eventPoller, WebhookSender webhookSender, WebServer web, RouteTable routes,
                   Bootstrap.Result firstStart, ServerMetrics metrics, PreviewProxy preview, AutoCloseable sandboxResources) {
        this.preview = preview;
        this.sandboxResources = sandboxResources;
        this.config = config;
        this.database = database;
        this.notifications = notifications;
        this.relay = relay;
        this.runner = runner;
        this.poller = poller;
        this.eventPoller = eventPoller;
        this.webhookSender = webhookSender;
        this.web = web;
        this.routes = routes;
        this.firstStart = firstStart;
        this.metrics = metrics;
    }

    /**
     * Builds and starts Magnet: makes the data dir private and checks that no sandbox would see it, checks the
     * host can sandbox safely, then database, relay and gateway, runner, then the HTTP server.
     *
     * @throws dev.magnet.sandbox.SandboxException when the data dir or the local sandbox cannot be made safe here
     *                                             (the message says what to change, install or enable)
     */
    public static Magnet start(MagnetConfig config) {
        boolean bwrap = config.sandbox().provider() == SandboxConfig.Provider.BWRAP;
        DataDir.makePrivate(config.dataDir());
        if (bwrap) {
            DataDir.requireOutsideSandboxes(config.dataDir(), config.claudeBin(), config.sandbox().toolchains());
        }
        Cgroups cgroups = bwrap ? Cgroups.detect() : Cgroups.none();
        if (bwrap) {
            HostCheck.requireSafe(HostCheck.run(config.sandbox().user(), cgroups));
        }
        Clock clock = Clock.systemUTC();
        Redactor redactor = new Redactor();
        redactor.register(config.anthropicApiKey());
        RedactingConverter.use(redactor);

        ServerMetrics serverMetrics = new ServerMetrics();
        PrometheusMeterRegistry metrics = serverMetrics.registry();
        Database database = Database.open(config.databaseUrl(), metrics);
        AccountSettings accountSettings = config.accounts();
        ApiKeys apiKeys = new ApiKeys(database.jdbi(), clock);
        Bootstrap bootstrap = new Bootstrap(database.jdbi(), apiKeys, clock);
        Bootstrap.Result firstStart = bootstrap.ensureFirstWorkspace(config.bootstrapApiKey(), accountSettings.adminPassword());
        redactor.register(accountSettings.oidcClientSecret());
        redactor.register(config.metricsToken());
        AuditLog audit = new AuditLog(database.jdbi(), clock);
        BrowserSessions browsers = new BrowserSessions(database.jdbi(), clock);
        AccountService accounts = new AccountService(database.jdbi(), new Accounts(clock), browsers, new Invites(clock), apiKeys,
                database.isPostgres() ? LoginThrottle.shared(clock, LOGIN_WINDOW, 20, 100, database.jdbi())
                        : new LoginThrottle(clock, LOGIN_WINDOW, 20, 100),
                new PasswordHashing(accountSettings.maxPasswordHashes(), metrics), accountSettings.workspaceCreators(), audit);
        KeyService keys = new KeyService(database.jdbi(), apiKeys, audit);
        Authenticator authenticator = new Authenticator(apiKeys, browsers,
                database.isPostgres() ? RateLimiter.shared(clock, accountSettings.apiKeyRatePerMinute(), database.jdbi())
                        : new RateLimiter(clock, accountSettings.apiKeyRatePerMinute()));
        SessionCookies cookies = new SessionCookies(accountSettings.cookieSecure(), config.publicUrl());
        OidcClient oidc = accountSettings.oidcEnabled() ? new OidcClient(accountSettings.oidcIssuer(),
                accountSettings.oidcClientId(), accountSettings.oidcClientSecret()) : null;

        EventHub hub = new EventHub();
        Notifications notifications = Notifications.of(database, config.databaseUrl());
        EventLog eventLog = new EventLog(database.jdbi(), hub, redactor, clock, notifications,
                new WebhookOutbox(clock, config.publicUrl()));
        eventLog.followOtherServers();
        SessionChanges sessionChanges = new SessionChanges(hub);
        sessionChanges.followOtherServers(notifications);
        SessionStore store = new SessionStore(database.jdbi(), eventLog, clock, new SessionPhaseTelemetry(metrics));
        Budgets budgets = new Budgets(new SpendLedger(database.jdbi()), config.quotas(), clock);
        ModelRelay relay = ModelRelay.start(config.anthropicApiKey(), config.anthropicBaseUrl(),
                config.limits().relayMaxBodyBytes(), budgets);
        AddressPolicy addresses = AddressPolicy.of(config.privateAddresses());
        Gateway gateway = new Gateway(relay, EgressPolicy.parse(config.sandbox().egressAllow()),
                AddressPolicy.of(config.environments().privateAddresses()),
                new EgressEvents(store),
                config.limits().gatewayMaxConnections());
        SecretBox secretBox = SecretBox.forServer(config.secretKey(), config.dataDir());
        SandboxProvider sandboxes = sandboxes(config, gateway, cgroups, secretBox);
        if (sandboxes instanceof BwrapSandboxProvider layered) {
            // why: servers sharing the data dir (several on one PostgreSQL) keep the layers of the sessions they run
            Set<String> held = Set.copyOf(store.heldByLiveRunners(clock.instant()));
            layered.unmountLeftoverLayers(config.dataDir().resolve("sessions"), held::contains);
        }
        Git git = new Git();
        OriginPolicy origins = new OriginPolicy(config.allowLocalRepos(), config.localRepoRoots(), config.dataDir(), addresses);
        SessionRepos repos = new SessionRepos(git, new Mirrors(git, config.dataDir()), origins);
        WorkspaceTransfer transfer = new WorkspaceTransfer(Git.DEFAULT_TIMEOUT);
        WebhookSender webhookSender = new WebhookSender(database.jdbi(), secretBox, addresses, clock,
                config.webhooks().firstRetry(), config.webhooks().giveUpAfter(), Duration.ofSeconds(1));
        GitHubIntegration github = new GitHubIntegration(database.jdbi(), config.github(), secretBox, redactor, clock, bootstrap.firstWorkspaceId());
        PullRequestRecorder prRecorder = new PullRequestRecorder(store);
        GitHubLoopStore githubLoop = new GitHubLoopStore(database.jdbi(), clock);
        PullRequests pullRequests = new PullRequests(github, prRecorder, config.publicUrl(), githubLoop);
        PullRequestPoller poller = new PullRequestPoller(github, store, prRecorder, config.github().pollInterval());
        String runnerId = "runner-" + ProcessHandle.current().pid() + "-" + Tokens.random(4);
        RepoNames repoNames = new RepoNames(origins, github);
        EnvironmentService environments = new EnvironmentService(database.jdbi(), secretBox, repoNames, audit, redactor,
                clock, sandboxes::images);
        PreviewTargets previewTargets = new PreviewTargets();
        EnvironmentSettings previewSettings = config.environments();
        PreviewAccess previewAccess = new PreviewAccess(authenticator, clock);
        PreviewProxy previewProxy = new PreviewProxy(previewSettings.previewUrl(), previewTargets, previewAccess,
                config.publicUrl().replaceAll("/+$", "") + "/", previewSettings.previewBind(), previewSettings.previewPort());
        PreviewUrls previewUrls = previewProxy.urls();
        gateway.protect(previewProxy.port()); // why: a sandbox never reaches a preview, its own or another's, through egress
        SessionRunner runner = SessionRunner.create(runnerId, config, database.jdbi(), store, repos, transfer, sandboxes,
                relay, budgets, redactor, new RunnerMetrics(metrics), github, pullRequests, environments, gateway,
                notifications, previewTargets);
        runner.followOtherServers();
        SessionService sessions = new SessionService(store, runner, config.defaultModel(), repoNames, environments,
                config.quotas(), audit);

        RouteTable routes = new RouteTable();
        new AccountRoutes(accounts, browsers, cookies, oidc, accountSettings.oidcName(), config.publicUrl()).register(routes);
        new MemberRoutes(accounts, browsers, cookies, config.publicUrl()).register(routes);
        new KeyRoutes(keys).register(routes);
        new AuditRoutes(audit).register(routes);
        new SessionRoutes(sessions, previewUrls::of).register(routes);
        new PreviewRoutes(sessions, previewAccess, previewUrls).register(routes);
        new EnvironmentRoutes(environments).register(routes);
        new SessionStreamRoutes(sessions, eventLog, hub, authenticator, accountSettings.streamRecheck()).register(routes);
        new WorkspaceStreamRoutes(sessions, sessionChanges, authenticator, accountSettings.streamRecheck()).register(routes);
        new HealthRoutes(database, config.claudeBin(), metrics, config.metricsToken()).register(routes);
        int serverCheckFollowUps = config.githubLoop().maxCheckFollowUps();
        GitHubTriggers triggers = new GitHubTriggers(github, githubLoop, store, sessions, audit, config.githubLoop(),
                config.publicUrl(), s -> environments.checkFollowUps(s.workspaceId(), s.environmentId(), serverCheckFollowUps));
        GitHubEventPoller eventPoller = new GitHubEventPoller(github, githubLoop, store, triggers, clock, config.github().pollInterval());
        new GitHubRoutes(github, new Webhooks(github, store, prRecorder, database.jdbi(), clock, triggers), addresses, githubLoop,
                accounts, audit).register(routes);
        new WebhookRoutes(new WebhookEndpoints(database.jdbi(), secretBox, addresses, audit, clock)).register(routes);
        new StaticRoutes().register(routes);
        new UiRoutes(previewUrls.frameSource()).register(routes);
        WebServer web = new WebServer(new AuthenticationFilter(authenticator, routes), routes, metrics);
        if (config.port() > 0) {
            gateway.protect(config.port());
        }
        notifications.start();
        AutoCloseable sandboxResources = () -> { };
        if (sandboxes instanceof KubernetesSandboxProvider pods) {
            Thread reconciler = reconcilePods(pods, store, config.sandbox().idleTeardown(), clock);
            sandboxResources = () -> {
                reconciler.interrupt();
                pods.close();
            };
        }
        runner.start();
        poller.start();
        eventPoller.start();
        webhookSender.start();
        web.start(config.port());
        gateway.protect(web.port());
        log.info("Magnet listening on port {} ({}, sandbox {})", web.port(), config, sandboxes.name());
        return new Magnet(config, database, notifications, relay, runner, poller, eventPoller, webhookSender, web, routes, firstStart,
                serverMetrics, previewProxy, sandboxResources);
    }

    private static SandboxProvider sandboxes(MagnetConfig config, Gateway gateway, Cgroups cgroups, SecretBox secretBox) {
        SandboxConfig sc = config.sandbox();
        if (sc.provider() == SandboxConfig.Provider.UNISOLATED) {
            log.warn("MAGNET_SANDBOX=unisolated: agents run WITHOUT isolation, as the server's account. Development only.");
            return UnisolatedSandbox.provider(config.claudeBin(), gateway.relay().baseUrl());
        }
        ResourceLimits limits = new ResourceLimits(sc.memoryMiB() * 1024 * 1024, sc.maxProcesses(), sc.cpus(),
                sc.diskMiB() * 1024 * 1024, sc.maxFiles());
        if (sc.provider() == SandboxConfig.Provider.KUBERNETES) {
            KubernetesConfig k = sc.kubernetes();
            return KubernetesSandboxProvider.connect(new KubernetesSettings(k.namespace(), k.agentImage(), k.defaultImage(),
                    k.images(), k.gateway(), k.startTimeout(), k.storageClass(), k.volumeMiB() > 0 ? k.volumeMiB() : sc.diskMiB() + 1024),
                    k.gatewayBind(), k.gatewayPort(), limits, gateway,
                    new PodTokens(secretBox.subkey("pod-gateway-tokens/v1")));
        }
        return new BwrapSandboxProvider(SandboxUser.resolve(sc.user()), limits, cgroups, gateway, config.claudeBin(),
                sc.toolchains(), sc.diskCheck(), new Images(sc.imagesDir()));
    }

    /** The preview proxy's port. */
    public int previewPort() {
        return preview.port();
    }

    /**
     * Every minute, deletes the session pods of sessions that no longer need one: gone, failed, or completed longer ago
     * than the idle teardown (pods of sessions this server runs are never touched).
     */
    private static Thread reconcilePods(KubernetesSandboxProvider pods, SessionStore store, Duration idle, Clock clock) {
        return Thread.ofVirtual().name("pod-reconciler").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    pods.reconcile(id -> store.find(id).map(s -> s.isActive()
                            || s.status() == dev.magnet.session.Status.COMPLETED && s.updatedAt().plus(idle).isAfter(clock.instant()))
                            .orElse(false));
                    Thread.sleep(Duration.ofMinutes(1));
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn("session pod reconciliation: {}", e.getMessage());
                    try {
                        Thread.sleep(Duration.ofMinutes(1));
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
            }
        });
    }

    public int port() {
        return web.port();
    }

    /** Every HTTP route this server answers, with who may call it. */
    public List<RouteTable.Route> routes() {
        return routes.routes();
    }

    /** The admin API key generated at the first start of a fresh install, or null. Shown to the operator once. */
    public String generatedApiKey() {
        return firstStart.apiKey();
    }

    /** The admin password generated at the first start (when MAGNET_ADMIN_PASSWORD was not set), or null. Shown once. */
    public String generatedAdminPassword() {
        return firstStart.adminPassword();
    }

    public MagnetConfig config() {
        return config;
    }

    @Override
    public void close() {
        web.close();
        preview.close();
        poller.close();
        eventPoller.close();
        webhookSender.close();
        runner.close();
        try {
            sandboxResources.close();
        } catch (Exception e) {
            log.warn("closing the sandbox provider: {}", e.getMessage());
        }
        notifications.close();
        relay.close();
        database.close();
        metrics.close();
    }
}
