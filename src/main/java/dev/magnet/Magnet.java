package dev.magnet;

import dev.magnet.auth.ApiKeys;
import dev.magnet.auth.Bootstrap;
import dev.magnet.config.MagnetConfig;
import dev.magnet.events.EventHub;
import dev.magnet.events.EventLog;
import dev.magnet.events.Redactor;
import dev.magnet.gateway.ModelRelay;
import dev.magnet.git.Git;
import dev.magnet.git.Mirrors;
import dev.magnet.git.Workspaces;
import dev.magnet.health.HealthRoutes;
import dev.magnet.runner.RunnerMetrics;
import dev.magnet.runner.SessionRunner;
import dev.magnet.sandbox.ProcessSandbox;
import dev.magnet.sandbox.SandboxProvider;
import dev.magnet.session.MessageRepository;
import dev.magnet.session.SessionDiffs;
import dev.magnet.session.SessionRepository;
import dev.magnet.session.SessionRoutes;
import dev.magnet.session.SessionService;
import dev.magnet.session.SessionStore;
import dev.magnet.session.SessionStreamRoutes;
import dev.magnet.store.Database;
import dev.magnet.support.Ids;
import dev.magnet.support.RedactingConverter;
import dev.magnet.web.StaticRoutes;
import dev.magnet.web.UiRoutes;
import dev.magnet.web.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every part of Magnet with its constructor, starts them in order and stops them
 * in reverse. Nothing else wires components.
 */
public final class Magnet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Magnet.class);

    private final MagnetConfig config;
    private final Database database;
    private final ModelRelay relay;
    private final SessionRunner runner;
    private final WebServer web;
    private final String generatedKey;

    private Magnet(MagnetConfig config, Database database, ModelRelay relay, SessionRunner runner, WebServer web,
                   String generatedKey) {
        this.config = config;
        this.database = database;
        this.relay = relay;
        this.runner = runner;
        this.web = web;
        this.generatedKey = generatedKey;
    }

    /** Builds and starts Magnet with the local process sandbox. */
    public static Magnet start(MagnetConfig config) {
        return start(config, ProcessSandbox.provider());
    }

    /** Builds and starts Magnet: database, relay, runner, then the HTTP server. */
    public static Magnet start(MagnetConfig config, SandboxProvider sandboxes) {
        Clock clock = Clock.systemUTC();
        Redactor redactor = new Redactor();
        redactor.register(config.anthropicApiKey());
        RedactingConverter.use(redactor);

        Database database = Database.open(config.databaseUrl());
        ApiKeys apiKeys = new ApiKeys(database.jdbi(), clock);
        String generatedKey = new Bootstrap(database.jdbi(), apiKeys, clock).ensureFirstWorkspace(config.bootstrapApiKey());

        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EventHub hub = new EventHub();
        EventLog eventLog = new EventLog(database.jdbi(), hub, redactor, clock);
        SessionStore store = new SessionStore(database.jdbi(), new SessionRepository(), new MessageRepository(), eventLog, clock);
        SessionDiffs diffs = new SessionDiffs();
        ModelRelay relay = ModelRelay.start(config.anthropicApiKey(), config.anthropicBaseUrl());
        Git git = new Git();
        Workspaces workspaces = new Workspaces(git, new Mirrors(git, config.dataDir()));
        String runnerId = "runner-" + ProcessHandle.current().pid() + "-" + Ids.secret(4);
        SessionRunner runner = SessionRunner.create(runnerId, config, store, diffs, workspaces, sandboxes, relay, redactor,
                new RunnerMetrics(metrics));
        SessionService sessions = new SessionService(store, diffs, runner, config.defaultModel(), config.allowLocalRepos());

        WebServer web = new WebServer(apiKeys, List.of(
                new SessionRoutes(sessions)::register,
                new SessionStreamRoutes(sessions, eventLog, hub)::register,
                new HealthRoutes(database, config.claudeBin(), metrics)::register,
                new StaticRoutes()::register,
                new UiRoutes()::register));
        runner.start();
        web.start(config.port());
        log.info("Magnet listening on port {} ({}, sandbox {})", web.port(), config, sandboxes.name());
        return new Magnet(config, database, relay, runner, web, generatedKey);
    }

    public int port() {
        return web.port();
    }

    /** The admin API key generated at the first start of a fresh install, or null. Shown to the operator once. */
    public String generatedApiKey() {
        return generatedKey;
    }

    public MagnetConfig config() {
        return config;
    }

    @Override
    public void close() {
        web.close();
        runner.close();
        relay.close();
        database.close();
    }
}
