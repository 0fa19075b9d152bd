package dev.magnet.runner;

import dev.magnet.session.SessionControl;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims active sessions that no runner holds (new, reopened by a follow-up, or whose runner stopped
 * heartbeating) and runs each in a {@link SessionWorkflow} on a virtual thread, up to the configured number
 * at once. Holds each claim with a lease that a heartbeat extends; registers itself in {@link Runners} so a
 * runner that dies is detected and its sessions resumed; tears down idle workspaces ({@link IdleWorkspaces}).
 */
public final class SessionRunner implements SessionControl, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionRunner.class);

    private final RunnerContext ctx;
    private final Runners runners;
    private final IdleWorkspaces idle;
    private final Map<String, SessionWorkflow> live = new ConcurrentHashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;
    private Thread dispatcher;
    private Thread heartbeat;

    SessionRunner(RunnerContext ctx) {
        this.ctx = ctx;
        this.runners = new Runners(ctx.store().jdbi(), ctx.runnerId(), ctx.config().leaseDuration());
        this.idle = new IdleWorkspaces(ctx, ctx.config().sandbox().idleTeardown());
    }

    /** Builds a runner from its parts (the composition root calls this). */
    public static SessionRunner create(String runnerId, dev.magnet.config.MagnetConfig config,
                                       dev.magnet.session.SessionStore store, dev.magnet.session.SessionDiffs diffs,
                                       dev.magnet.git.SessionRepos repos, dev.magnet.git.WorkspaceTransfer transfer,
                                       dev.magnet.sandbox.SandboxProvider sandboxes,
                                       dev.magnet.gateway.ModelRelay relay, dev.magnet.events.Redactor redactor,
                                       RunnerMetrics metrics, dev.magnet.github.GitHubIntegration github,
                                       dev.magnet.github.PullRequests pullRequests) {
        return new SessionRunner(new RunnerContext(runnerId, config, store, diffs, repos, transfer, sandboxes, relay, redactor,
                metrics, github, pullRequests));
    }

    public void start() {
        runners.register(ctx.store().clock().instant());
        running = true;
        dispatcher = Thread.ofVirtual().name("runner-dispatch").start(this::dispatchLoop);
        heartbeat = Thread.ofVirtual().name("runner-heartbeat").start(this::heartbeatLoop);
    }

    public int liveCount() {
        return live.size();
    }

    @Override
    public void wake() {
        wake.release();
    }

    @Override
    public void messageQueued(String sessionId) {
        SessionWorkflow wf = live.get(sessionId);
        if (wf != null) {
            wf.signal(new Signal.MessagesQueued());
        } else {
            wake();
        }
    }

    @Override
    public boolean interrupt(String sessionId) {
        SessionWorkflow wf = live.get(sessionId);
        if (wf == null || !wf.hasAgent()) {
            return false;
        }
        wf.signal(new Signal.Interrupt());
        return true;
    }

    @Override
    public boolean cancel(String sessionId, String message) {
        SessionWorkflow wf = live.get(sessionId);
        if (wf == null) {
            return false;
        }
        wf.cancel(message);
        return true;
    }

    /** Stops claiming and stops the agents; their sessions stay active and are resumed by the next runner. */
    @Override
    public void close() {
        running = false;
        wake.release();
        live.values().forEach(SessionWorkflow::shutdown);
        joinQuietly(dispatcher);
        joinQuietly(heartbeat);
        try {
            runners.stopped(ctx.store().clock().instant());
        } catch (RuntimeException e) {
            log.warn("could not mark runner {} stopped: {}", ctx.runnerId(), e.getMessage());
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
                log.error("runner dispatch failed; trying again", e);
                sleepQuietly(1000);
            }
        }
    }

    private void claimWhatFits() {
        int free = ctx.config().maxConcurrentSessions() - live.size();
        if (free <= 0) {
            return;
        }
        Instant now = ctx.store().clock().instant();
        runners.takeOverDead(now);
        List<String> candidates = ctx.store().jdbi().withHandle(h -> ctx.store().sessions().claimable(h, now, free * 2));
        for (String id : candidates) {
            if (live.size() >= ctx.config().maxConcurrentSessions() || live.containsKey(id) || !running) {
                continue;
            }
            Instant until = now.plus(ctx.config().leaseDuration());
            boolean claimed = ctx.store().jdbi().withHandle(h -> ctx.store().sessions().claim(h, id, ctx.runnerId(), now, until));
            if (claimed) {
                SessionWorkflow wf = new SessionWorkflow(id, ctx);
                live.put(id, wf);
                ctx.metrics().sessionStarted();
                Thread.ofVirtual().name("session-" + id.substring(0, 8)).start(() -> runAndRelease(wf));
            }
        }
    }

    private void runAndRelease(SessionWorkflow wf) {
        try {
            wf.run();
        } finally {
            if (running) {
                ctx.store().jdbi().useHandle(h -> ctx.store().sessions().release(h, wf.sessionId(), ctx.runnerId()));
            }
            live.remove(wf.sessionId());
            ctx.metrics().sessionEnded();
            wake(); // why: a follow-up may have reopened the session while it was finishing
        }
    }

    private void heartbeatLoop() {
        long every = Math.max(1000, ctx.config().leaseDuration().toMillis() / 3);
        while (running) {
            sleepQuietly(every);
            try {
                List<String> ids = List.copyOf(live.keySet());
                Instant until = ctx.store().clock().instant().plus(ctx.config().leaseDuration());
                ctx.store().jdbi().useHandle(h -> ctx.store().sessions().heartbeat(h, ctx.runnerId(), ids, until));
                runners.heartbeat(ctx.store().clock().instant());
            } catch (RuntimeException e) {
                log.warn("runner heartbeat failed: {}", e.getMessage());
            }
            try {
                idle.tearDownIdle();
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

    private static void joinQuietly(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
