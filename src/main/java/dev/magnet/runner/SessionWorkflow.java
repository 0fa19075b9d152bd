package dev.magnet.runner;

import dev.magnet.budget.Budgets;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.agent.TurnOutcome;
import dev.magnet.config.SessionLimits;
import dev.magnet.events.EventData;
import dev.magnet.events.NewEvent;
import dev.magnet.gateway.ModelRelay;
import dev.magnet.git.SessionRepo;
import dev.magnet.github.GitHubException;
import dev.magnet.sandbox.Images;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxException;
import dev.magnet.session.FailureReason;
import dev.magnet.session.LastTurn;
import dev.magnet.session.Phase;
import dev.magnet.session.Session;
import dev.magnet.session.SessionStore;
import dev.magnet.store.Ids;
import dev.magnet.store.Reconnecting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The phase sequence of one claimed session: provisioning and cloning ({@link Provisioner}), running the agent (one
 * {@link AgentRun} per process, its output recorded by {@link TurnRecorder}), finishing ({@link Finisher}), and back
 * to running when a follow-up arrives; or picking a session up again after a follow-up or a restart. It owns the
 * signal pump, the time limits and the recovery from a command that took the agent down at the process limit. Runs
 * on its own (virtual) thread; others talk to it with signals.
 *
 * <p>A new phase goes into {@link #prepare} or {@link #work}; a new kind of agent output into {@link TurnRecorder}.
 */
final class SessionWorkflow {
    private static final Logger log = LoggerFactory.getLogger(SessionWorkflow.class);
    private static final Duration POLL = Duration.ofSeconds(5);
    private static final int MAX_BATCH = 500;
    /** What the agent is told when the turn it was in was cut off by a server restart (it resumes with {@code --resume}). */
    static final String CONTINUE_AFTER_RESTART = "Magnet restarted while you were working on this, so your last step "
            + "may not have finished. Check the state of the workspace and continue the task from where you left off.";
    /** What the agent is told when a command it ran hit the sandbox's process limit and took the agent down with it. */
    static final String CONTINUE_AFTER_PROCESS_LIMIT = "Your last command was stopped: it kept starting processes and "
            + "hit the sandbox's process limit, which stopped you too. Everything it started has been killed. Check "
            + "the state of the workspace and continue the task without starting that many processes.";
    /** What the agent is told when the place its sandbox ran in (a Kubernetes pod) was lost and a new one took over. */
    static final String CONTINUE_AFTER_SANDBOX_LOSS = "The machine your session ran on was lost, so your last step may "
            + "not have finished and anything it was running was stopped. Your workspace and files are as they were. "
            + "Check the state of the workspace and continue the task from where you left off.";

    /** What every workflow of a runner works with. */
    record Parts(String runnerId, Path dataDir, SessionStore store, Origins origins, Provisioner provisioner,
                 ModelRelay relay, Budgets budgets, EnvironmentRuntime environments, SetupStep setup,
                 SetupSnapshots snapshots, RunScript runScript,
                 AgentRun.Settings agent, TurnRecorder recorder, Finisher finisher,
                 RunnerMetrics metrics, SessionLimits limits, boolean hasModelKey, UnaryOperator<String> redact,
                 Clock clock) {
    }

    /** Where a session that was already running picks up when its workflow starts again (after a restart). */
    enum ResumePoint {
        /** A fresh start, or an agent that only waits for the next message. */
        NONE,
        /** A message was taken but its turn never ended: run the turn again. */
        CUT_OFF_TURN,
        /** The last turn ended well and nothing waits: go straight to finishing. */
        FINISH;

        /** Decided from how the session's last turn stands (kept with its events) and whether a message waits. */
        static ResumePoint of(Session s, boolean messageWaiting) {
            if (s.phase() != Phase.RUNNING || !s.agentStarted() || s.lastTurn() == null) {
                return NONE;
            }
            if (s.lastTurn() == LastTurn.RUNNING) {
                return CUT_OFF_TURN;
            }
            return s.lastTurn() == LastTurn.SUCCEEDED && !messageWaiting ? FINISH : NONE;
        }
    }

    /** Thrown to unwind when the session was cancelled or the server is shutting down. */
    private static final class Stopped extends Exception {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** Thrown to unwind when the agent waited for a message long enough and the session was parked. */
    private static final class Parked extends Exception {
        Parked() {
            super(null, null, false, false);
        }
    }

    private final String sessionId;
    private final Parts parts;
    private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private volatile AgentRun agent;
    private volatile boolean stopped;
    private Sandbox sandbox;
    /** The environment's run script while it runs in this run's sandbox, or null. */
    private RunScript.Running runScript;
    private SessionRepo repo;
    private Optional<Origin> origin;
    private EnvironmentRuntime.Loaded environment = EnvironmentRuntime.Loaded.NONE;
    private int generations;
    private TimeLimits limits;
    private final SandboxIncidents incidents = new SandboxIncidents();
    private final SessionSetup setup;

    SessionWorkflow(String sessionId, Parts parts) {
        this.sessionId = sessionId;
        this.parts = parts;
        this.setup = new SessionSetup(sessionId, parts.dataDir(), parts.setup(), parts.snapshots(), parts.environments(),
                parts.provisioner());
    }

    String sessionId() {
        return sessionId;
    }

    void signal(Signal s) {
        signals.add(s);
    }

    boolean hasAgent() {
        AgentRun a = agent;
        return a != null && a.isAlive();
    }

    /** Cancels: kills the agent at once and fails the session with reason {@code cancelled}. */
    void cancel(String message) {
        stopped = true;
        killAgent();
        parts.store().change(sessionId, Session::isActive, s -> s.fail(FailureReason.CANCELLED, message, now()));
        signals.add(new Signal.Cancel(message));
    }

    /** Server shutdown: stop the agent but leave the session active, to be resumed on the next start. */
    void shutdown() {
        stopped = true;
        killAgent();
        signals.add(new Signal.Cancel("server stopping"));
    }

    void run() {
        SessionPaths paths = SessionPaths.of(parts.dataDir(), sessionId);
        limits = new TimeLimits(parts.limits().turnTimeout(), parts.limits().sessionTimeout(), now());
        try {
            Optional<Session> loaded = parts.store().find(sessionId);
            if (loaded.isEmpty() || !loaded.get().isActive()) {
                return;
            }
            Session s = loaded.get();
            environment = parts.environments().load(s);
            paths.createHomeAndTmp();
            s = s.phase().isPreparation() ? prepare(s, paths) : reopen(s, paths);
            work(s);
        } catch (Stopped e) {
            log.debug("session {} stopped", sessionId);
        } catch (Parked e) {
            log.debug("session {} parked: its agent waits for a message", sessionId);
            stopAgentQuietly();
        } catch (StepFailure f) {
            if (!failedForWantOfSpace(f, f.getMessage(), paths)) {
                fail(f.reason(), f.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (failedForWantOfSpace(e, null, paths)) {
                log.warn("session {}: the data dir's file system is full", sessionId, e);
            } else if (Reconnecting.lostConnection(e)) {
                // why: the database went away for longer than the store waits for it, or while a commit was under
                // way; nothing is wrong with the session. Handed back, it is resumed as after a restart once the
                // database answers (the cut-off turn runs again), instead of failing for the database's sake.
                log.warn("session {}: lost the database ({}); the session is handed back and resumes once the "
                        + "database answers", sessionId, e.getMessage());
            } else {
                log.error("session {} failed unexpectedly", sessionId, e);
                fail(FailureReason.AGENT_ERROR, "Magnet failed while running the session: " + e.getMessage());
            }
        } finally {
            killAgent();
            stopRunScript();
            parts.relay().close(sessionId);
            parts.budgets().forget(sessionId);
            if (sandbox != null) {
                sandbox.close();
            }
            setup.release();
        }
    }

    /**
     * Runs only the preview of a session that does not run (completed; its sandbox closed, its workspace perhaps torn
     * down): a sandbox over its workspace (made again from the session branch, with setup, when torn down) with the run
     * script, for {@code until} at most or until {@link #shutdown} (a follow-up is about to run the session). The
     * session's status does not change; a failure is told in a {@code status} event.
     */
    void runPreview(Duration until) {
        SessionPaths paths = SessionPaths.of(parts.dataDir(), sessionId);
        Session s = null;
        try {
            Optional<Session> loaded = parts.store().find(sessionId);
            if (loaded.isEmpty() || loaded.get().isActive()) {
                return;
            }
            s = loaded.get();
            environment = parts.environments().load(s);
            if (environment.environment().map(e -> e.runScript()).filter(t -> !t.isBlank()).isEmpty()) {
                statusEvent(s, "preview not started: the session's environment has no run script", null);
                return;
            }
            paths.createHomeAndTmp();
            paths.ensureWorkspace();
            s = reopen(s, paths);
            startRunScript(s);
            Instant end = now().plus(until);
            while (!stopped && now().isBefore(end)) {
                if (signals.poll(1, java.util.concurrent.TimeUnit.SECONDS) instanceof Signal.Cancel) {
                    break;
                }
            }
        } catch (StepFailure f) {
            if (s != null) {
                statusEvent(s, "preview could not start: " + f.getMessage(), null);
            }
        } catch (Stopped e) {
            log.debug("session {}: preview stopped", sessionId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("session {}: the preview failed", sessionId, e);
        } finally {
            stopRunScript();
            if (sandbox != null) {
                sandbox.close();
            }
            setup.release();
        }
    }

    /**
     * When the failure comes from a full data dir (or the data dir is full now), fails the session saying so, once its
     * agent is stopped and its workspace and temp files are removed: a failed session has no more use for them, and
     * the space they give back lets the server, and the database when it lives in the data dir, write again.
     *
     * @param what the failure as people read it, added to the message; null to leave it out (an internal error)
     * @return false when the data dir is not full: the failure is another one
     */
    private boolean failedForWantOfSpace(Throwable failure, String what, SessionPaths paths) {
        Optional<String> full = DataDirSpace.fullness(parts.dataDir(), failure);
        if (full.isEmpty() || stopped) {
            return false;
        }
        killAgent();
        stopRunScript();
        if (sandbox != null) {
            sandbox.close();
            sandbox = null;
        }
        long bytes = DataDirSpace.bytesUnder(List.of(paths.workspace(), paths.tmp()));
        String removed;
        try {
            paths.tearDown();
            removed = " Its workspace and temp files (" + DataDirSpace.mib(bytes) + " MiB) were removed to give the "
                    + "space back.";
        } catch (UncheckedIOException e) {
            log.warn("session {}: could not remove its workspace: {}", sessionId, e.getMessage());
            removed = "";
        }
        fail(FailureReason.SANDBOX_FAILED, "The session ran out of disk space: " + full.get() + "."
                + (what == null ? "" : " " + what.strip() + (what.strip().endsWith(".") ? "" : "."))
                + removed + " Free space on that file system (or give the data dir a larger one), then retry.");
        return true;
    }

    /** Provisioning, cloning and setting up a session that has not run yet (or was cut off while being prepared). */
    private Session prepare(Session s, SessionPaths paths) throws StepFailure, Stopped, InterruptedException {
        s = transition(x -> x.moveTo(Phase.PROVISIONING, "claimed by " + parts.runnerId(), now()));
        // why: a workspace half-made by a run that was cut off is made again from scratch
        paths.resetWorkspace();
        paths.resetLayer();
        sandbox = provision(paths, s);
        s = transition(x -> x.moveTo(Phase.CLONING, null, now()));
        repo = parts.provisioner().cloneInto(sandbox, s, paths, origin(s));
        String base = repo.baseBranch().value();
        String baseCommit = repo.baseCommit();
        s = transition(x -> x.withBase(base, baseCommit, now()).moveTo(Phase.SETTING_UP, null, now()));
        runSetup(s, paths, true);
        return transition(x -> x.moveTo(Phase.RUNNING, null, now()));
    }

    /**
     * Starts the environment's run script in the background, with the agent's network policy, when it has one: before
     * the agent starts, again after a resume or a re-made workspace (each run has a new sandbox) and for a follow-up
     * (finishing stops everything in the sandbox).
     */
    private void startRunScript(Session s) {
        Optional<String> script = environment.environment().map(e -> e.runScript()).filter(t -> !t.isBlank());
        if (script.isEmpty()) {
            return;
        }
        parts.environments().agentPhase(sessionId, environment);
        Integer port = environment.environment().get().previewPort();
        runScript = parts.runScript().start(s, sandbox, script.get(), port, environment.variables());
        statusEvent(s, "run script started" + (port == null ? "" : "; its preview shows port " + port), null);
    }

    private void stopRunScript() {
        RunScript.Running r = runScript;
        runScript = null;
        if (r != null) {
            r.close();
        }
    }

    /**
     * Picks a session up again: after a follow-up, a restart, or a runner that stopped heartbeating. A fresh sandbox
     * goes over the kept workspace; a workspace torn down while idle is made again from the session repository.
     */
    private Session reopen(Session s, SessionPaths paths) throws StepFailure, Stopped, InterruptedException {
        paths.ensureWorkspace();
        sandbox = provision(paths, s);
        Session reopening = s;
        Provisioner.Reopened reopened = parts.provisioner().reopen(sandbox, s, paths, () -> originOrEmpty(reopening));
        repo = reopened.repo();
        if (reopened.remade()) {
            statusEvent(s, "workspace re-made from the session branch " + s.branch(), null);
            runSetup(s, paths, false);
        }
        if (s.phase() == Phase.FINISHING) {
            return transition(x -> x.moveTo(Phase.RUNNING, "resumed", now()));
        }
        return s;
    }

    /** Runs the setup phase (through the setup cache); unwinds when the session is stopped meanwhile. */
    private void runSetup(Session s, SessionPaths paths, boolean useCache) throws StepFailure, Stopped, InterruptedException {
        if (!setup.run(s, sandbox, repo, environment, paths, useCache, () -> stopped, reason -> statusEvent(s, reason, null))) {
            throw new Stopped();
        }
    }

    /** Makes the session's sandbox and reports what isolates and limits it in a {@code status} event. */
    private Sandbox provision(SessionPaths paths, Session s) throws StepFailure {
        List<Path> snapshots = environment.image().equals(Images.HOST) ? List.of() : setup.snapshotsOf(paths);
        Sandbox made = parts.provisioner().sandbox(paths, sessionId, environment.image(), snapshots, null);
        incidents.watch(made);
        Map<String, Object> description = new LinkedHashMap<>(made.describe());
        description.put("sessionLimits", sessionLimits());
        statusEvent(s, "sandbox ready", description);
        return made;
    }

    /** The limits on the session itself (time, and cost when budgets are set), as its sandbox status shows them. */
    private Map<String, Object> sessionLimits() {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("turnTimeoutSeconds", parts.limits().turnTimeout().toSeconds());
        l.put("sessionTimeoutSeconds", parts.limits().sessionTimeout().toSeconds());
        l.put("parkSeconds", parts.limits().parkAfter().toSeconds());
        l.putAll(parts.budgets().describe());
        return l;
    }

    /** Runs the agent until its work is done and pushed; goes round again when a follow-up arrives while finishing. */
    private void work(Session s) throws StepFailure, Stopped, Parked, InterruptedException {
        if (!parts.hasModelKey()) {
            throw new StepFailure(FailureReason.MODEL_AUTH_FAILED, "Magnet has no model API key: set ANTHROPIC_API_KEY "
                    + "(and ANTHROPIC_BASE_URL for a gateway) where the Magnet server runs, restart it, then retry.");
        }
        Optional<String> overBudget = parts.budgets().check(sessionId, s.workspaceId());
        if (overBudget.isPresent()) {
            throw budgetExceeded(overBudget.get());
        }
        ResumePoint resume = ResumePoint.of(s, !parts.store().queuedMessages(sessionId).isEmpty());
        while (true) {
            if (resume != ResumePoint.FINISH) {
                if (runScript == null) {
                    startRunScript(s);
                }
                startAgent(s);
                if (resume == ResumePoint.CUT_OFF_TURN) {
                    sendToAgent(CONTINUE_AFTER_RESTART, FailureReason.LOST);
                    statusEvent(s, "resumed after a restart: the turn that was cut off runs again in a new sandbox", null);
                }
                pumpUntilTurnsDone();
            }
            resume = ResumePoint.NONE;
            s = transition(x -> x.moveTo(Phase.FINISHING, null, now()));
            stopAgent();
            relayUsageEvent(s);
            parts.finisher().finish(s, sandbox, repo, origin(s), environment.secrets());
            if (stopped) {
                throw new Stopped();
            }
            Optional<Boolean> completed = parts.store().withLocked(sessionId, (locked, w) -> {
                if (!locked.isActive()) {
                    return false;
                }
                if (!parts.store().queuedMessages(sessionId).isEmpty()) {
                    w.save(locked.moveTo(Phase.RUNNING, "follow-up", now()));
                    return false;
                }
                w.save(locked.complete(now()));
                return true;
            });
            Session current = parts.store().find(sessionId).orElseThrow(Stopped::new);
            if (completed.orElse(false) || !current.isActive()) {
                return;
            }
            s = current;
        }
    }

    private void startAgent(Session s) throws StepFailure, Stopped {
        int generation = ++generations;
        try {
            parts.environments().agentPhase(sessionId, environment);
            agent = AgentRun.start(s, sandbox, parts.relay(), parts.agent(), environment.agent(), generation, signals::add);
        } catch (SandboxException e) {
            throw new StepFailure(Provisioner.reasonOf(e.failure()), "The agent could not start: " + e.getMessage(), e);
        }
        if (!s.agentStarted()) {
            transition(x -> x.withAgentStarted(now()));
        }
        parts.metrics().agentStarted();
    }

    /**
     * Feeds the agent and records what it does until a turn ends with nothing left for it to take. An agent that
     * waits for a message (it was interrupted) longer than {@code MAGNET_PARK_SECONDS} is parked.
     */
    private void pumpUntilTurnsDone() throws StepFailure, Stopped, Parked, InterruptedException {
        deliverQueued();
        Instant waitingSince = null;
        while (true) {
            Duration wait = limits.untilNext(now(), POLL);
            if (waitingSince != null) {
                Duration toPark = Duration.between(now(), waitingSince.plus(parts.limits().parkAfter()));
                wait = toPark.isNegative() ? Duration.ZERO : toPark.compareTo(wait) < 0 ? toPark : wait;
            }
            Signal signal = signals.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (stopped) {
                throw new Stopped();
            }
            Optional<StepFailure> late = limits.passed(now(), parts.relay().waiting(sessionId));
            if (late.isPresent()) {
                throw late.get();
            }
            if (signal == null) {
                if (deliverQueued()) {
                    waitingSince = null;
                } else if (waitingSince != null && !now().isBefore(waitingSince.plus(parts.limits().parkAfter()))
                        && parked()) {
                    throw new Parked();
                }
                continue;
            }
            switch (signal) {
                case Signal.MessagesQueued q -> {
                    if (deliverQueued()) {
                        waitingSince = null;
                    }
                }
                case Signal.Interrupt i -> interruptAgent();
                case Signal.Cancel c -> throw new Stopped();
                case Signal.Exited e when e.generation() != agent.generation() -> { }
                case Signal.Exited e -> {
                    if (!resumedAfterProcessLimit() && !resumedAfterSandboxLoss()) {
                        throw agentDied(e.code());
                    }
                }
                case Signal.Line l when l.generation() != agent.generation() -> { }
                case Signal.Line l -> {
                    Optional<TurnOutcome> outcome = parts.recorder().record(sessionId, agent, drainLines(l.json()), limits);
                    if (outcome.isPresent()) {
                        reportMemoryKills();
                        if (turnsDone(outcome.get())) {
                            return;
                        }
                        waitingSince = outcome.get().kind() == TurnOutcome.Kind.INTERRUPTED && agent.tookEverythingWritten()
                                ? now() : null;
                    }
                }
            }
        }
    }

    /** True when the turn succeeded and no message waits for the agent; fails the session on error outcomes. */
    private boolean turnsDone(TurnOutcome outcome) throws StepFailure {
        Optional<String> overBudget = parts.budgets().exceeded(sessionId);
        if (overBudget.isPresent() && outcome.kind() != TurnOutcome.Kind.SUCCEEDED) {
            throw budgetExceeded(overBudget.get());
        }
        switch (outcome.kind()) {
            case SUCCEEDED -> {
                deliverQueued();
                return agent.tookEverythingWritten();
            }
            case INTERRUPTED -> {
                return false;
            }
            case MODEL_AUTH_FAILED -> throw new StepFailure(FailureReason.MODEL_AUTH_FAILED, outcome.message());
            case MODEL_UNAVAILABLE -> throw new StepFailure(FailureReason.MODEL_UNAVAILABLE, outcome.message());
            case RESUME_FAILED -> throw new StepFailure(FailureReason.LOST, outcome.message());
            default -> throw new StepFailure(FailureReason.AGENT_ERROR, outcome.message());
        }
    }

    /**
     * The given line and the lines of the current agent already waiting behind it, up to and including the first turn
     * result: a burst of output (streamed deltas) is then persisted in one transaction.
     */
    private List<JsonNode> drainLines(JsonNode first) {
        List<JsonNode> batch = new ArrayList<>();
        batch.add(first);
        while (batch.size() < MAX_BATCH && !"result".equals(batch.getLast().path("type").asText())
                && signals.peek() instanceof Signal.Line next && next.generation() == agent.generation()) {
            signals.poll();
            batch.add(next.json());
        }
        return batch;
    }

    /** Writes every queued message the current agent has not been given yet; true when it wrote any. */
    private boolean deliverQueued() {
        AgentRun a = agent;
        if (a != null && a.deliver(parts.store().queuedMessages(sessionId)) > 0) {
            limits.turnStarted(now());
            return true;
        }
        return false;
    }

    /**
     * Parks the session when no message waits for it (checked under its row lock, so a follow-up either is seen here
     * or finds the session parked and sends it back to work): it gives up its run slot, and the next message resumes
     * the agent where it waited.
     */
    private boolean parked() {
        return parts.store().withLocked(sessionId, (s, w) -> {
            if (!s.isActive() || !parts.store().queuedMessages(sessionId).isEmpty()) {
                return false;
            }
            w.save(s.moveTo(Phase.WAITING, "parked: the agent waits for a message and gave its place up", now()));
            return true;
        }).orElse(false);
    }

    /** Writes a message of Magnet's own to the agent; a turn runs from now. */
    private void sendToAgent(String text, FailureReason ifRefused) throws StepFailure {
        try {
            agent.send(Ids.newId(), text);
            limits.turnStarted(now());
        } catch (IOException e) {
            throw new StepFailure(ifRefused, "The resumed agent did not accept the request to continue: "
                    + e.getMessage(), e);
        }
    }

    private void interruptAgent() {
        AgentRun a = agent;
        if (a == null) {
            return;
        }
        try {
            a.interrupt();
        } catch (IOException e) {
            log.warn("session {}: could not interrupt the agent: {}", sessionId, e.getMessage());
        }
    }

    /** Notes in the log when the kernel killed a process of the agent's (a tool, usually) at the memory limit. */
    private void reportMemoryKills() {
        incidents.newMemoryKill().ifPresent(this::errorEvent);
    }

    /**
     * A command that keeps forking (a fork bomb) fills the process limit the agent shares with its tools, and the
     * agent dies for want of a thread. Then everything left in the sandbox is killed, an {@code error} event says
     * so, and the conversation is resumed in a fresh agent process that is told its command was stopped; the turn
     * goes on. False when the agent died of something else, or too often at the limit already.
     */
    private boolean resumedAfterProcessLimit() throws StepFailure, Stopped, InterruptedException {
        if (!incidents.mayResumeAfterProcessLimit()) {
            return false;
        }
        stopAgent();
        // why: counted once everything is stopped, so what the stopping hit is not taken for a later incident
        resumeAgent(incidents.resumingAfterProcessLimit(), CONTINUE_AFTER_PROCESS_LIMIT,
                "The agent, resumed after a command hit the process limit, did not accept the request to continue: ");
        return true;
    }

    /**
     * The place the sandbox ran in was lost while the agent worked (a Kubernetes pod deleted or evicted) and its
     * workspace and home outlived it: an {@code error} event says so, and the conversation is resumed ({@code --resume})
     * in a fresh agent in a new one, told to check where it was, as after a server restart; the turn goes on. False when
     * nothing was lost, the memory limit killed the agent (that fails the session), or it happened too often already.
     */
    private boolean resumedAfterSandboxLoss() throws StepFailure, Stopped, InterruptedException {
        Optional<String> note = incidents.resumeAfterLoss();
        if (note.isEmpty()) {
            return false;
        }
        stopAgent();
        resumeAgent(note.get(), CONTINUE_AFTER_SANDBOX_LOSS,
                "The agent, resumed after its sandbox was lost, did not accept the request to continue: ");
        return true;
    }

    /** Says {@code note} in an {@code error} event, starts a fresh agent and tells it {@code request}; the turn goes on. */
    private void resumeAgent(String note, String request, String ifRefused) throws StepFailure, Stopped {
        errorEvent(note);
        startAgent(parts.store().find(sessionId).orElseThrow(Stopped::new));
        try {
            sendToAgent(request, FailureReason.SANDBOX_FAILED);
        } catch (StepFailure f) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, ifRefused + f.getMessage(), f);
        }
        deliverQueued();
    }

    private void errorEvent(String message) {
        parts.store().append(sessionId, List.of(NewEvent.of(new EventData.Error(message))));
    }

    private static StepFailure budgetExceeded(String why) {
        return new StepFailure(FailureReason.BUDGET_EXCEEDED, "The model relay refused the agent's next request: " + why
                + " Raise the budget if the task is worth more, then retry.");
    }

    private StepFailure agentDied(int code) {
        Optional<String> stoppedBecause = agent == null ? Optional.empty() : agent.stoppedBecause();
        if (stoppedBecause.isPresent()) {
            return new StepFailure(FailureReason.AGENT_ERROR, stoppedBecause.get());
        }
        Optional<StepFailure> inSandbox = incidents.failure(code);
        if (inSandbox.isPresent()) {
            return inSandbox.get();
        }
        String tail = agent == null ? "" : agent.stderrTail();
        String message = "The agent exited unexpectedly (exit code " + code + ")"
                + (tail.isBlank() ? "." : ". Last lines of its output:\n" + tail);
        return new StepFailure(FailureReason.AGENT_ERROR, parts.redact().apply(message));
    }

    /** Lets the agent exit and kills whatever it left running in the sandbox. */
    private void stopAgent() throws InterruptedException {
        AgentRun a = agent;
        if (a != null) {
            a.stop(Duration.ofSeconds(10));
        }
        agent = null;
        stopRunScript(); // why: stopped, not seen to crash, when everything in the sandbox is killed before finishing
        sandbox.stopProcesses();
    }

    private void stopAgentQuietly() {
        try {
            stopAgent();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void killAgent() {
        AgentRun a = agent;
        if (a != null) {
            a.close();
        }
    }

    /** Reports what the relay metered for this session (requests and tokens as the model API counted them). */
    private void relayUsageEvent(Session s) {
        ModelRelay.Usage usage = parts.relay().usage(sessionId);
        statusEvent(s, "model relay usage", new EventData.Status.RelayUsage(usage.requests(), usage.inputTokens(),
                usage.outputTokens()));
    }

    private void statusEvent(Session s, String reason, Object extra) {
        EventData.Status status = EventData.Status.of(s.status().wire(), s.phase().wire(), reason);
        if (extra instanceof Map<?, ?> sandboxDescription) {
            @SuppressWarnings("unchecked")
            Map<String, Object> description = (Map<String, Object>) sandboxDescription;
            status = status.withSandbox(description);
        } else if (extra instanceof EventData.Status.RelayUsage usage) {
            status = status.withRelay(usage);
        }
        parts.store().append(sessionId, List.of(NewEvent.of(status)));
    }

    /** The session's origin, resolved once per run. */
    private Optional<Origin> origin(Session s) throws StepFailure {
        if (origin == null) {
            try {
                origin = parts.origins().of(s);
            } catch (GitHubException e) {
                throw new StepFailure(FailureReason.CLONE_FAILED, e.getMessage(), e);
            }
        }
        return origin;
    }

    /** As {@link #origin}, for a caller that cannot fail the step: GitHub's refusal comes through as it is. */
    private Optional<Origin> originOrEmpty(Session s) {
        if (origin == null) {
            origin = parts.origins().of(s);
        }
        return origin;
    }

    /** Applies a transition if the session is still active; unwinds when it is not (cancelled meanwhile). */
    private Session transition(UnaryOperator<Session> change) throws Stopped {
        if (stopped) {
            throw new Stopped();
        }
        return parts.store().change(sessionId, Session::isActive, change).orElseThrow(Stopped::new);
    }

    private void fail(FailureReason reason, String message) {
        if (stopped) {
            return;
        }
        try {
            parts.store().change(sessionId, Session::isActive, s -> s.fail(reason, parts.redact().apply(message), now()));
        } catch (RuntimeException e) {
            if (!Reconnecting.lostConnection(e)) {
                throw e;
            }
            // why: the session stays active and is resumed once the database answers; the step then runs again
            log.warn("session {}: could not record its failure ({}: {}), the database is unreachable ({}); it is "
                    + "resumed once the database answers", sessionId, reason.wire(), message, e.getMessage());
            return;
        }
        parts.metrics().sessionFailed(reason);
    }

    private Instant now() {
        return parts.clock().instant();
    }
}
