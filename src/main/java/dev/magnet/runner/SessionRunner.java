package dev.magnet.runner;

import dev.magnet.budget.Budgets;
import dev.magnet.config.MagnetConfig;
import dev.magnet.environment.EnvironmentService;
import dev.magnet.environment.NetworkRules;
import dev.magnet.gateway.Gateway;
import dev.magnet.preview.PreviewTargets;
import dev.magnet.config.Quotas;
import dev.magnet.events.Redactor;
import dev.magnet.gateway.ModelRelay;
import dev.magnet.git.GitIdentity;
import dev.magnet.git.SessionRepos;
import dev.magnet.git.WorkspaceTransfer;
import dev.magnet.github.GitHubIntegration;
import dev.magnet.github.PullRequests;
import dev.magnet.logging.LogContext;
import dev.magnet.sandbox.SandboxProvider;
import dev.magnet.session.Phase;
import dev.magnet.session.SessionControl;
import dev.magnet.session.SessionStore;
import dev.magnet.store.Notifications;
import dev.magnet.store.Reconnecting;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims active sessions that no runner holds (new, reopened by a follow-up, or whose runner stopped
 * heartbeating) and runs each in a {@link SessionWorkflow} on a virtual thread, up to the configured number
 * at once. Holds each claim with a lease that a heartbeat extends; registers itself in {@link Runners} so a
 * runner that dies is detected and its sessions resumed; tears down idle workspaces ({@link IdleWorkspaces}).
 *
 * <p>With several servers on one PostgreSQL database, what a server is asked about a session another one runs travels
 * as a notification on {@value #CHANNEL}: {@code wake} (new work: every runner looks for sessions to claim),
 * {@code message <id>}, {@code interrupt <id>} and {@code cancel <id> <who>}; the runner that holds the session acts
 * on it, the others ignore it (or look for work, for a message).
 */
public final class SessionRunner implements SessionControl, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionRunner.class);
    /** The notification channel of requests to the runner that holds a session. */
    public static final String CHANNEL = "magnet_runner";

    private final String runnerId;
    private final SessionStore store;
    private final Runners runners;
    private final IdleWorkspaces idle;
    private final SessionWorkflow.Parts parts;
    private final int maxSessions;
    private final Duration lease;
    private final Quotas quotas;
    private final RunnerMetrics metrics;
    private final Notifications notifications;
    private final Jdbi jdbi;
    /** How long stopping waits for sessions' work to unwind. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(15);
    /** How long a preview started on a session that does not run keeps running. */
    static final Duration PREVIEW_ALONE_FOR = Duration.ofMinutes(30);

    private final Map<String, SessionWorkflow> live = new ConcurrentHashMap<>();
    private final Map<String, Thread> threads = new ConcurrentHashMap<>();
    /** Sessions that do not run but whose preview runs here (a sandbox with only the run script). */
    private final Map<String, SessionWorkflow> previews = new ConcurrentHashMap<>();
    private final Map<String, Thread> previewThreads = new ConcurrentHashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread dispatcher;
    private Thread heartbeat;

    private SessionRunner(SessionWorkflow.Parts parts, Runners runners, IdleWorkspaces idle, int maxSessions, Duration lease,
                          Quotas quotas, Notifications notifications, Jdbi jdbi) {
        this.notifications = notifications;
        this.jdbi = jdbi;
        this.quotas = quotas;
        this.parts = parts;
        this.runnerId = parts.runnerId();
        this.store = parts.store();
        this.metrics = parts.metrics();
        this.runners = runners;
        this.idle = idle;
        this.maxSessions = maxSessions;
        this.lease = lease;
    }

    /**
     * Builds a runner and the parts of its workflows (the composition root calls this).
     *
     * @param jdbi          the database, for the runners' own table
     * @param notifications reaches the runners of the other servers on the same database (none with one server)
     */
    public static SessionRunner create(String runnerId, MagnetConfig config, Jdbi jdbi, SessionStore store,
                                       SessionRepos repos, WorkspaceTransfer transfer, SandboxProvider sandboxes,
                                       ModelRelay relay, Budgets budgets, Redactor redactor, RunnerMetrics metrics,
                                       GitHubIntegration github, PullRequests pullRequests,
                                       EnvironmentService environments, Gateway gateway, Notifications notifications,
                                       PreviewTargets previews) {
        Clock clock = store.clock();
        GitIdentity identity = new GitIdentity(config.gitName(), config.gitEmail());
        SessionWorkflow.Parts parts = new SessionWorkflow.Parts(runnerId, config.dataDir(), store, new Origins(github),
                new Provisioner(sandboxes, repos, transfer, identity), relay, budgets,
                new EnvironmentRuntime(environments, new NetworkRules(config.environments().registries()), gateway),
                new SetupStep(store, config.environments().setupTimeout(), redactor::redact, clock),
                new SetupSnapshots(config.dataDir().resolve("setup-cache"), config.environments().setupCacheTtl(),
                        config.environments().setupCacheMaxBytes(), clock),
                new RunScript(store, previews, clock),
                new AgentRun.Settings(config.modelMaxRetries(), config.limits().agentMaxLineBytes()),
                new TurnRecorder(store, metrics, clock),
                new Finisher(transfer, store, pullRequests, identity, config.sandbox().diskMiB() * 1024 * 1024,
                        redactor::redact, clock),
                metrics, config.limits(), config.hasModelKey(), redactor::redact, clock);
        return new SessionRunner(parts, new Runners(jdbi, runnerId, config.leaseDuration()),
                new IdleWorkspaces(store, config.dataDir(), config.sandbox().idleTeardown()),
                config.maxConcurrentSessions(), config.leaseDuration(), config.quotas(), notifications, jdbi);
    }

    /** Subscribes to the requests of the other servers; call before the notifications start. */
    public void followOtherServers() {
        notifications.subscribe(CHANNEL, new Notifications.Listener() {
            @Override
            public void heard(String payload) {
                Thread.ofVirtual().name("runner-request").start(() -> onRequest(payload));
            }

            @Override
            public void missedSome() {
                wakeHere();
            }
        });
    }

    public void start() {
        runners.register(store.clock().instant());
        running = true;
        dispatcher = Thread.ofVirtual().name("runner-dispatch").start(this::dispatchLoop);
        heartbeat = Thread.ofVirtual().name("runner-heartbeat").start(this::heartbeatLoop);
    }

    public int liveCount() {
        return live.size();
    }

    /** New work may be waiting: this runner and those of the other servers look for sessions to claim. */
    @Override
    public void wake() {
        wakeHere();
        tell("wake");
    }

    private void wakeHere() {
        wake.release();
    }

    @Override
    public void messageQueued(String sessionId) {
        if (!messageQueuedHere(sessionId)) {
            tell("message " + sessionId);
        }
    }

    private boolean messageQueuedHere(String sessionId) {
        SessionWorkflow wf = live.get(sessionId);
        if (wf != null) {
            wf.signal(new Signal.MessagesQueued());
            return true;
        }
        wakeHere();
        return false;
    }

    /**
     * Interrupts the session's agent here; when another server holds the session in its running phase, asks that
     * server to, and answers true without knowing whether its agent had started.
     */
    @Override
    public boolean interrupt(String sessionId) {
        if (interruptHere(sessionId)) {
            return true;
        }
        if (notifications.isShared() && store.find(sessionId).map(s -> s.phase() == Phase.RUNNING).orElse(false)
                && store.holder(sessionId, store.clock().instant()).filter(r -> !r.equals(runnerId)).isPresent()) {
            tell("interrupt " + sessionId);
            return true;
        }
        return false;
    }

    private boolean interruptHere(String sessionId) {
        SessionWorkflow wf = live.get(sessionId);
        if (wf == null || !wf.hasAgent()) {
            return false;
        }
        wf.signal(new Signal.Interrupt());
        return true;
    }

    @Override
    public synchronized boolean startPreview(String sessionId) {
        if (!running) {
            return false;
        }
        if (previews.containsKey(sessionId) || live.containsKey(sessionId)) {
            return true;
        }
        SessionWorkflow wf = new SessionWorkflow(sessionId, parts);
        previews.put(sessionId, wf);
        previewThreads.put(sessionId, Thread.ofVirtual().name("preview-" + sessionId.substring(0, 8)).start(() ->
                LogContext.inSession(sessionId, () -> {
                    try {
                        wf.runPreview(PREVIEW_ALONE_FOR);
                    } finally {
                        previews.remove(sessionId);
                        previewThreads.remove(sessionId);
                    }
                })));
        return true;
    }

    /** Stops the preview of a session that is about to run again (it will start its own), and waits for its sandbox to close. */
    private void stopPreview(String sessionId) {
        SessionWorkflow wf = previews.get(sessionId);
        Thread t = previewThreads.get(sessionId);
        if (wf != null) {
            wf.shutdown();
        }
        joinUntil(t, System.nanoTime() + Duration.ofSeconds(30).toNanos());
    }

    /**
     * Cancels the session here; when it does not run here, asks the other servers to stop its agent and answers
     * false, so the caller fails it in the store.
     */
    @Override
    public boolean cancel(String sessionId, String message) {
        if (cancelHere(sessionId, message)) {
            return true;
        }
        tell("cancel " + sessionId + " " + message);
        return false;
    }

    private boolean cancelHere(String sessionId, String message) {
        SessionWorkflow wf = live.get(sessionId);
        if (wf == null) {
            return false;
        }
        wf.cancel(message);
        return true;
    }

    /** A request of another server: acted on when it is about a session this runner holds. */
    private void onRequest(String payload) {
        String[] parts = payload.split(" ", 3);
        try {
            switch (parts[0]) {
                case "wake" -> wakeHere();
                case "message" -> messageQueuedHere(parts[1]);
                case "interrupt" -> interruptHere(parts[1]);
                case "cancel" -> cancelHere(parts[1], parts.length > 2 ? parts[2] : "Cancelled.");
                default -> log.warn("unknown runner request: {}", payload);
            }
        } catch (RuntimeException e) {
            log.warn("runner request {} failed: {}", payload, e.toString());
        }
    }

    private void tell(String request) {
        try {
            notifications.send(jdbi, CHANNEL, request);
        } catch (RuntimeException e) {
            // why: a lost wake-up costs at most the dispatcher's one-second look, a lost request its next look at the store
            log.warn("could not tell the other servers {}: {}", request, e.getMessage());
        }
    }

    /**
     * Shuts down gracefully: stops claiming, stops the agents, waits (at most {@link #SHUTDOWN_GRACE}) for every
     * session's work to unwind so that no write is cut off, and hands the sessions back: no runner holds them, so
     * another server (or this one after a restart) resumes them at once, without waiting for a lease to lapse.
     */
    @Override
    public void close() {
        running = false;
        wakeHere();
        live.values().forEach(SessionWorkflow::shutdown);
        previews.values().forEach(SessionWorkflow::shutdown);
        long deadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
        for (Thread t : previewThreads.values()) {
            joinUntil(t, deadline);
        }
        for (Thread t : threads.values()) {
            joinUntil(t, deadline);
        }
        joinUntil(dispatcher, deadline);
        joinUntil(heartbeat, deadline);
        for (String id : List.copyOf(live.keySet())) {
            releaseQuietly(id);
        }
        if (!live.isEmpty()) {
            tell("wake"); // why: another server resumes the sessions handed back at once
        }
        try {
            runners.stopped(store.clock().instant());
        } catch (RuntimeException e) {
            log.warn("could not mark runner {} stopped: {}", runnerId, e.getMessage());
        }
    }

    private void dispatchLoop() {
        while (running) {
            try {
                claimWhatFits();
                wake.tryAcquire(1, TimeUnit.SECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (Reconnecting.lostConnection(e)) {
                    log.warn("runner dispatch: lost the database ({}); trying again", e.getMessage());
                } else {
                    log.error("runner dispatch failed; trying again", e);
                }
                sleepQuietly(1000);
            }
        }
    }

    private void claimWhatFits() {
        int free = maxSessions - live.size();
        if (free <= 0) {
            return;
        }
        Instant now = store.clock().instant();
        runners.takeOverDead(now, parts.provisioner()::discardLeftovers);
        List<String> candidates = store.nextToRun(now, free * 2, quotas);
        for (String id : candidates) {
            if (live.size() >= maxSessions || live.containsKey(id) || !running) {
                continue;
            }
            if (store.claim(id, runnerId, now, now.plus(lease))) {
                stopPreview(id);
                SessionWorkflow wf = new SessionWorkflow(id, parts);
                live.put(id, wf);
                metrics.sessionStarted();
                // why: a platform thread, so the OS shares the cores between a session turning a burst of output into
                // events (CPU-bound on the embedded database) and the virtual threads serving HTTP; on a virtual thread
                // it held one of the few carriers for seconds, and every request and stream behind it waited
                threads.put(id, Thread.ofPlatform().daemon().name("session-" + id.substring(0, 8))
                        .start(() -> LogContext.inSession(id, () -> runAndRelease(wf))));
            }
        }
    }

    private void runAndRelease(SessionWorkflow wf) {
        try {
            wf.run();
        } finally {
            // why: also when stopping: a session handed back is resumed at once by whichever runner claims it next
            releaseQuietly(wf.sessionId());
            live.remove(wf.sessionId());
            threads.remove(wf.sessionId());
            metrics.sessionEnded();
            wakeHere(); // why: a follow-up may have reopened the session while it was finishing
        }
    }

    private void heartbeatLoop() {
        long every = Math.max(1000, lease.toMillis() / 3);
        while (running) {
            sleepQuietly(every);
            try {
                List<String> ids = List.copyOf(live.keySet());
                store.heartbeat(runnerId, ids, store.clock().instant().plus(lease));
                runners.heartbeat(store.clock().instant());
            } catch (RuntimeException e) {
                log.warn("runner heartbeat failed: {}", e.getMessage());
            }
            try {
                idle.tearDownIdle(previews::containsKey);
            } catch (RuntimeException e) {
                log.warn("tearing down idle workspaces failed: {}", e.getMessage());
            }
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void releaseQuietly(String sessionId) {
        try {
            store.release(sessionId, runnerId);
        } catch (RuntimeException e) {
            log.warn("session {}: could not hand it back: {}", sessionId, e.getMessage());
        }
    }

    private static void joinUntil(Thread t, long deadlineNanos) {
        if (t == null) {
            return;
        }
        try {
            t.join(Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
