package dev.magnet.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.agent.ClaudeAgent;
import dev.magnet.agent.CommandLifecycle;
import dev.magnet.agent.MappedLine;
import dev.magnet.agent.StreamJsonMapper;
import dev.magnet.agent.TurnOutcome;
import dev.magnet.events.Event;
import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;
import dev.magnet.git.BranchName;
import dev.magnet.git.ChangedFile;
import dev.magnet.git.GitAuth;
import dev.magnet.git.GitException;
import dev.magnet.git.GitIdentity;
import dev.magnet.git.PushResult;
import dev.magnet.git.RepoUrl;
import dev.magnet.git.SessionRepo;
import dev.magnet.git.SessionRepoSpec;
import dev.magnet.github.GitHubAccess;
import dev.magnet.github.GitHubException;
import dev.magnet.github.GitHubRepo;
import dev.magnet.github.RepoInfo;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.AgentView;
import dev.magnet.sandbox.SandboxException;
import dev.magnet.session.Cost;
import dev.magnet.session.FailureReason;
import dev.magnet.session.Phase;
import dev.magnet.session.Session;
import dev.magnet.session.SessionDiffs;
import dev.magnet.session.SessionMessage;
import dev.magnet.session.SessionStore;
import dev.magnet.store.Ids;
import dev.magnet.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one claimed session through its phases: provisioning, cloning, setting up, running the agent
 * (delivering follow-ups, interrupting, mapping its output to events), finishing (commit, diff, push), and
 * back to running when a follow-up arrives. Runs on its own (virtual) thread; others talk to it with signals.
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
    /** How many times one workflow resumes an agent that a command took down at the process limit. */
    static final int MAX_PROCESS_LIMIT_RESUMES = 3;

    private final String sessionId;
    private final RunnerContext ctx;
    private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private final Set<String> writtenToAgent = new HashSet<>();
    private final Set<String> deliveredIds = new HashSet<>();
    private volatile ClaudeAgent agent;
    private volatile boolean stopped;
    private Sandbox sandbox;
    private SessionRepo repo;
    private StreamJsonMapper currentMapper;
    private int agentGeneration;
    private Origin origin;

    /**
     * Where the session's repository is fetched from and pushed to: a git URL, or a GitHub repository reached
     * through the workspace's integration (then {@code gitHub} and {@code repo} are set).
     */
    private record Origin(RepoUrl url, GitHubAccess gitHub, GitHubRepo repo, String defaultBranch) {
        boolean isGitHub() {
            return gitHub != null;
        }

        /** Fresh credentials for one git operation; the token stays host-side, in git's environment only. */
        GitAuth auth() {
            return gitHub == null ? GitAuth.NONE : gitHub.gitAuth(repo, url.value());
        }

        /** The origin's URL as the agent may see it in its workspace (never a local path of the host). */
        String agentUrl() {
            return url.isLocal() ? null : url.display();
        }
    }

    private TimeLimits limits;
    private long memoryKillsSeen;
    private long processLimitHitsSeen;
    private int processLimitResumes;

    /** Where a session that was already running picks up when its workflow starts again (after a restart). */
    enum ResumePoint {
        /** A fresh start, or an agent that only waits for the next message. */
        NONE,
        /** A message was taken but its turn never ended: run the turn again. */
        CUT_OFF_TURN,
        /** The last turn ended well and nothing waits: go straight to finishing. */
        FINISH
    }

    /** Thrown to unwind when the session was cancelled or the server is shutting down. */
    private static final class Stopped extends Exception {
        Stopped() {
            super(null, null, false, false);
        }
    }

    SessionWorkflow(String sessionId, RunnerContext ctx) {
        this.sessionId = sessionId;
        this.ctx = ctx;
    }

    String sessionId() {
        return sessionId;
    }

    void signal(Signal s) {
        signals.add(s);
    }

    boolean hasAgent() {
        ClaudeAgent a = agent;
        return a != null && a.isAlive();
    }

    /** Cancels: kills the agent at once and fails the session with reason {@code cancelled}. */
    void cancel(String message) {
        stopped = true;
        killAgent();
        ctx.store().change(sessionId, Session::isActive,
                s -> s.fail(FailureReason.CANCELLED, message, now()));
        signals.add(new Signal.Cancel(message));
    }

    /** Server shutdown: stop the agent but leave the session active, to be resumed on the next start. */
    void shutdown() {
        stopped = true;
        killAgent();
        signals.add(new Signal.Cancel("server stopping"));
    }

    void run() {
        SessionPaths paths = SessionPaths.of(ctx.config().dataDir(), sessionId);
        limits = new TimeLimits(ctx.config().limits().turnTimeout(), ctx.config().limits().sessionTimeout(), now());
        try {
            Optional<Session> loaded = load();
            if (loaded.isEmpty() || !loaded.get().isActive()) {
                return;
            }
            Session s = loaded.get();
            paths.createHomeAndTmp();
            if (s.phase().isPreparation()) {
                s = prepare(s, paths);
            } else {
                s = reopenWorkspace(s, paths);
            }
            work(s);
        } catch (Stopped e) {
            log.debug("session {} stopped", sessionId);
        } catch (StepFailure f) {
            fail(f.reason(), f.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("session {} failed unexpectedly", sessionId, e);
            fail(FailureReason.AGENT_ERROR, "Magnet failed while running the session: " + e.getMessage());
        } finally {
            killAgent();
            ctx.relay().close(sessionId);
            if (sandbox != null) {
                sandbox.close();
            }
        }
    }

    private Session prepare(Session s, SessionPaths paths) throws StepFailure, Stopped {
        s = transition(x -> x.moveTo(Phase.PROVISIONING, "claimed by " + ctx.runnerId(), now()));
        // why: a workspace or repository half-made by a run that was cut off is made again from scratch
        paths.resetWorkspace();
        paths.deleteRepo();
        sandbox = provision(paths, s);
        s = transition(x -> x.moveTo(Phase.CLONING, null, now()));
        try {
            Session cloning = s;
            Origin from = origin(cloning);
            BranchName base = baseBranch(cloning, from);
            repo = withCredentials(from, auth -> ctx.repos().create(repoSpec(cloning, paths, from, base, auth)));
            ctx.transfer().seed(sandbox, repo, ctx.identity(), coAuthor(s), from == null ? null : from.agentUrl());
        } catch (GitHubException e) {
            throw new StepFailure(FailureReason.CLONE_FAILED, e.getMessage(), e);
        } catch (GitException | IllegalArgumentException e) {
            throw new StepFailure(FailureReason.CLONE_FAILED, e.getMessage(), e);
        }
        String base = repo.baseBranch().value();
        String baseCommit = repo.baseCommit();
        s = transition(x -> x.withBase(base, baseCommit, now()).moveTo(Phase.SETTING_UP, null, now()));
        if (stopped) {
            throw new Stopped();
        }
        return transition(x -> x.moveTo(Phase.RUNNING, null, now()));
    }

    /**
     * Picks a session up again: after a follow-up, a restart, or a runner that stopped heartbeating. A fresh sandbox goes
     * over the kept workspace; a workspace torn down while idle is made again from the session repository. Nothing in
     * the kept workspace is read on the host: the base commit comes from the session's record.
     */
    private Session reopenWorkspace(Session s, SessionPaths paths) throws StepFailure, Stopped {
        if (s.baseCommit() == null) {
            throw new StepFailure(FailureReason.LOST, "The session has no recorded base commit to continue from.");
        }
        boolean remake = !Files.isDirectory(paths.workspace());
        if (remake) {
            paths.resetWorkspace();
        }
        sandbox = provision(paths, s);
        if (remake) {
            try {
                Origin from = origin(s);
                BranchName base = BranchName.of(s.baseBranch());
                repo = ctx.repos().open(paths.repo(), base, BranchName.of(s.branch()), s.baseCommit());
                if (repo.branchCommit().isEmpty()) {
                    if (from == null) {
                        throw new StepFailure(FailureReason.LOST, "The session's workspace is gone and the session has no "
                                + "repository to make it again from.");
                    }
                    // why: a session from before session repositories existed: its branch is on the origin
                    paths.deleteRepo();
                    repo = withCredentials(from, auth -> ctx.repos().create(repoSpec(s, paths, from, base, auth)));
                }
                ctx.transfer().seed(sandbox, repo, ctx.identity(), coAuthor(s), from == null ? null : from.agentUrl());
            } catch (GitHubException e) {
                throw new StepFailure(FailureReason.CLONE_FAILED, "GitHub is needed to continue the session: " + e.getMessage(), e);
            } catch (GitException | IllegalArgumentException e) {
                throw new StepFailure(FailureReason.LOST, "The session's workspace cannot be made again: " + e.getMessage(), e);
            }
            statusEvent(s, "workspace re-made from the session branch " + s.branch(), Map.of());
        } else {
            repo = ctx.repos().open(paths.repo(), BranchName.of(s.baseBranch()), BranchName.of(s.branch()), s.baseCommit());
        }
        if (s.phase() == Phase.FINISHING) {
            return transition(x -> x.moveTo(Phase.RUNNING, "resumed", now()));
        }
        return s;
    }

    private SessionRepoSpec repoSpec(Session s, SessionPaths paths, Origin from, BranchName base, GitAuth auth) {
        return new SessionRepoSpec(paths.repo(), s.workspaceId(), from == null ? null : from.url(), base,
                BranchName.of(s.branch()), ctx.identity(), auth);
    }

    /**
     * The session's origin, resolved once per run; null without a repository. A GitHub repository is looked up
     * through the integration (access, default branch, clone URL).
     *
     * @throws GitHubException when GitHub is not connected, or the repository is missing or forbidden
     */
    private Origin origin(Session s) {
        if (origin != null || s.repo() == null) {
            return origin;
        }
        if (!GitHubRepo.isFullName(s.repo())) {
            // why: checked when the session was created, and again (OriginPolicy.access) each time git reaches it
            origin = new Origin(RepoUrl.parse(s.repo(), true), null, null, null);
            return origin;
        }
        GitHubAccess access = ctx.github().access(s.workspaceId()).orElseThrow(() -> new GitHubException(
                GitHubException.Kind.NOT_CONFIGURED, s.repo() + " is a GitHub repository, but GitHub is not connected: "
                + "set MAGNET_GITHUB_TOKEN or MAGNET_GITHUB_APP_ID with MAGNET_GITHUB_APP_PRIVATE_KEY, then retry"));
        RepoInfo info = access.repository(GitHubRepo.ofFullName(s.repo()));
        origin = new Origin(RepoUrl.parse(info.cloneUrl(), false), access, info.repo(), info.defaultBranch());
        return origin;
    }

    /** The base branch asked for (checked on GitHub), else GitHub's default branch, else the repository's. */
    private static BranchName baseBranch(Session s, Origin from) {
        if (from == null || !from.isGitHub()) {
            return s.baseBranch() == null ? null : BranchName.of(s.baseBranch());
        }
        if (s.baseBranch() != null) {
            from.gitHub().requireBranch(from.repo(), s.baseBranch());
            return BranchName.of(s.baseBranch());
        }
        return from.defaultBranch() == null ? null : BranchName.of(from.defaultBranch());
    }

    /**
     * Runs a git operation with the origin's credentials; when GitHub refuses a token (revoked, expired early),
     * runs it once more with a fresh one.
     */
    private static <T> T withCredentials(Origin from, Function<GitAuth, T> operation) {
        GitAuth auth = from == null ? GitAuth.NONE : from.auth();
        try {
            return operation.apply(auth);
        } catch (GitException e) {
            if (from == null || !from.isGitHub() || e.kind() != GitException.Kind.ACCESS_DENIED) {
                throw e;
            }
            from.gitHub().gitCredentialsRefused(from.repo(), auth);
            return operation.apply(from.auth());
        }
    }

    /** Makes the session's sandbox and reports what isolates and limits it in a {@code status} event. */
    private Sandbox provision(SessionPaths paths, Session s) throws StepFailure {
        Sandbox made;
        try {
            made = ctx.sandboxes().create(paths.sandboxSpec(sessionId));
        } catch (SandboxException e) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, e.getMessage(), e);
        }
        memoryKillsSeen = made.memoryKills();
        processLimitHitsSeen = made.processLimitHits();
        statusEvent(s, "sandbox ready", Map.of("sandbox", made.describe()));
        return made;
    }

    private void statusEvent(Session s, String reason, Map<String, Object> extra) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("status", s.status().wire());
        data.put("phase", s.phase().wire());
        data.put("reason", reason);
        data.putAll(extra);
        ctx.store().append(sessionId, List.of(NewEvent.of(EventType.STATUS, data)));
    }

    /** Runs the agent until its work is done and pushed; goes round again when a follow-up arrives while finishing. */
    private void work(Session s) throws StepFailure, Stopped, InterruptedException {
        if (!ctx.config().hasModelKey()) {
            throw new StepFailure(FailureReason.MODEL_AUTH_FAILED, "Magnet has no model API key: set ANTHROPIC_API_KEY "
                    + "(and ANTHROPIC_BASE_URL for a gateway) where the Magnet server runs, restart it, then retry.");
        }
        ResumePoint resume = resumePoint(s);
        while (true) {
            if (resume != ResumePoint.FINISH) {
                startAgent(s);
                if (resume == ResumePoint.CUT_OFF_TURN) {
                    continueCutOffTurn(s);
                }
                pumpUntilTurnsDone();
            }
            resume = ResumePoint.NONE;
            s = transition(x -> x.moveTo(Phase.FINISHING, null, now()));
            stopAgent();
            relayUsageEvent(s);
            finish(s);
            Optional<Boolean> completed = ctx.store().withLocked(sessionId, (h, locked, w) -> {
                if (!locked.isActive()) {
                    return false;
                }
                if (!ctx.store().messages().queued(h, sessionId).isEmpty()) {
                    w.save(locked.moveTo(Phase.RUNNING, "follow-up", now()));
                    return false;
                }
                w.save(locked.complete(now()));
                return true;
            });
            Session current = load().orElseThrow(Stopped::new);
            if (completed.orElse(false) || !current.isActive()) {
                return;
            }
            s = current;
        }
    }

    /**
     * Where a session picks up when this workflow found it already running: decided from its event log, which
     * holds exactly what was persisted before a crash (one transaction per agent line).
     */
    private ResumePoint resumePoint(Session s) {
        if (s.phase() != Phase.RUNNING || !s.agentStarted()) {
            return ResumePoint.NONE;
        }
        return ctx.store().jdbi().withHandle(h -> {
            long lastDelivered = h.createQuery("select coalesce(max(seq), 0) from events where session_id = :id "
                    + "and type = 'message_delivered'").bind("id", sessionId).mapTo(Long.class).one();
            Optional<Map<String, Object>> lastResult = h.createQuery("select seq, data from events where session_id = :id "
                            + "and type = 'turn_result' order by seq desc limit 1").bind("id", sessionId)
                    .map((rs, c) -> Map.<String, Object>of("seq", rs.getLong("seq"), "data", rs.getString("data")))
                    .findOne();
            long resultSeq = lastResult.map(r -> (Long) r.get("seq")).orElse(0L);
            if (lastDelivered > resultSeq) {
                return ResumePoint.CUT_OFF_TURN;
            }
            boolean succeeded = lastResult.map(r -> String.valueOf(r.get("data")).contains("\"success\":true")).orElse(false);
            boolean waiting = !ctx.store().messages().queued(h, sessionId).isEmpty();
            return succeeded && !waiting ? ResumePoint.FINISH : ResumePoint.NONE;
        });
    }

    /** Asks the resumed agent to run the turn a restart cut off again; the session waits for that turn to end. */
    private void continueCutOffTurn(Session s) throws StepFailure {
        String id = Ids.newId();
        writtenToAgent.add(id);
        try {
            agent.sendUserMessage(id, CONTINUE_AFTER_RESTART);
            limits.turnStarted(now());
        } catch (IOException e) {
            throw new StepFailure(FailureReason.LOST, "The resumed agent did not accept the request to continue: "
                    + e.getMessage(), e);
        }
        statusEvent(s, "resumed after a restart: the turn that was cut off runs again in a new sandbox", Map.of());
    }

    /** Reports what the relay metered for this session (requests and tokens as the model API counted them). */
    private void relayUsageEvent(Session s) {
        var usage = ctx.relay().usage(sessionId);
        statusEvent(s, "model relay usage", Map.of("relay", Map.of("requests", usage.requests(),
                "inputTokens", usage.inputTokens(), "outputTokens", usage.outputTokens())));
    }

    private void startAgent(Session s) throws StepFailure, Stopped {
        boolean resume = s.agentStarted();
        StreamJsonMapper mapper = new StreamJsonMapper(sandbox.view().workspace());
        writtenToAgent.clear();
        // why: the agent's network is "none" for every session until environments bring network policies
        String token = ctx.relay().open(sessionId, false);
        AgentView view = sandbox.view();
        ClaudeAgent.Launch launch = new ClaudeAgent.Launch(view.claudeBin(), s.model(), s.agentSessionId(),
                resume, view.modelBaseUrl(), token, ctx.config().modelMaxRetries(), view.home(), view.tmp(),
                view.proxyUrl());
        currentMapper = mapper;
        int generation = ++agentGeneration;
        try {
            agent = ClaudeAgent.start(sandbox, launch, ctx.config().limits().agentMaxLineBytes(),
                    line -> signals.add(new Signal.Line(generation, line)),
                    code -> signals.add(new Signal.Exited(generation, code)));
        } catch (SandboxException e) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, "The agent could not start: " + e.getMessage(), e);
        }
        if (!resume) {
            transition(x -> x.withAgentStarted(now()));
        }
        ctx.metrics().agentStarted();
    }


    /** Feeds the agent and records what it does until a turn ends with nothing left for it to take. */
    private void pumpUntilTurnsDone() throws StepFailure, Stopped, InterruptedException {
        deliverQueued();
        while (true) {
            Signal signal = signals.poll(limits.untilNext(now(), POLL).toMillis(), TimeUnit.MILLISECONDS);
            if (stopped) {
                throw new Stopped();
            }
            Optional<StepFailure> late = limits.passed(now());
            if (late.isPresent()) {
                throw late.get();
            }
            if (signal == null) {
                deliverQueued();
                continue;
            }
            switch (signal) {
                case Signal.MessagesQueued q -> deliverQueued();
                case Signal.Interrupt i -> interruptAgent();
                case Signal.Cancel c -> throw new Stopped();
                case Signal.Exited e when e.generation() != agentGeneration -> { }
                case Signal.Exited e -> {
                    if (!resumedAfterProcessLimit()) {
                        throw agentDied(e.code());
                    }
                }
                case Signal.Line l when l.generation() != agentGeneration -> { }
                case Signal.Line l -> {
                    Optional<TurnOutcome> outcome = record(drainLines(l.json()));
                    if (outcome.isPresent() && turnsDone(outcome.get())) {
                        return;
                    }
                }
            }
        }
    }

    /** True when the turn succeeded and no message waits for the agent; fails the session on error outcomes. */
    private boolean turnsDone(TurnOutcome outcome) throws StepFailure {
        switch (outcome.kind()) {
            case SUCCEEDED -> {
                deliverQueued();
                return writtenToAgent.stream().allMatch(deliveredIds::contains);
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
     * The given line and the lines of the current agent already waiting behind it, up to and including the
     * first turn result: a burst of output (streamed deltas) is then persisted in one transaction.
     */
    private List<JsonNode> drainLines(JsonNode first) {
        List<JsonNode> batch = new ArrayList<>();
        batch.add(first);
        while (batch.size() < MAX_BATCH && !isResult(batch.get(batch.size() - 1))
                && signals.peek() instanceof Signal.Line next && next.generation() == agentGeneration) {
            signals.poll();
            batch.add(next.json());
        }
        return batch;
    }

    private static boolean isResult(JsonNode line) {
        return "result".equals(line.path("type").asText());
    }

    /**
     * Maps agent lines to events and persists them, with what they imply (messages taken, cost), in one
     * transaction. A batch holds at most one turn result, as its last line.
     */
    private Optional<TurnOutcome> record(List<JsonNode> lines) {
        List<NewEvent> events = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        Optional<TurnOutcome> outcome = Optional.empty();
        Map<String, Object> turnResult = null;
        for (JsonNode line : lines) {
            MappedLine mapped = currentMapper.mapLine(line);
            List<String> delivered = new ArrayList<>();
            // why: any lifecycle past "queued" means the CLI took the message into the conversation, even when
            // the turn then ended in an error or an interrupt ("cancelled")
            mapped.lifecycle().filter(l -> l.state() != CommandLifecycle.State.QUEUED)
                    .ifPresent(l -> delivered.add(l.commandUuid()));
            mapped.outcome().ifPresent(o -> delivered.addAll(o.userMessageUuids()));
            for (String id : delivered) {
                if (!deliveredIds.contains(id) && taken.add(id)) {
                    events.add(NewEvent.of(EventType.MESSAGE_DELIVERED, Map.of("messageId", id)));
                }
            }
            events.addAll(mapped.events());
            for (NewEvent e : mapped.events()) {
                if (e.type() == EventType.TURN_RESULT) {
                    turnResult = e.data();
                } else if (e.type() == EventType.TOOL_USE) {
                    limits.toolStarted(describeTool(e.data()));
                } else if (e.type() == EventType.TOOL_RESULT) {
                    limits.toolEnded();
                }
            }
            if (mapped.outcome().isPresent()) {
                outcome = mapped.outcome();
            }
        }
        if (events.isEmpty()) {
            return outcome;
        }
        Map<String, Object> result = turnResult;
        if (result == null) {
            // why: most bursts are streamed deltas; they need no session row, only numbered events
            List<Event> written = ctx.store().jdbi().inTransaction(h ->
                    ctx.store().events().append(h, sessionId, announceable(h, events)));
            ctx.store().events().publish(written);
        } else {
            ctx.store().withLocked(sessionId, (h, s, w) -> {
                w.save(s.withCost(costAfter(s.cost(), result), now()));
                w.append(announceable(h, events));
                return true;
            });
        }
        deliveredIds.addAll(taken);
        outcome.ifPresent(o -> {
            limits.turnEnded(now(), !deliveredIds.containsAll(writtenToAgent));
            ctx.metrics().turnEnded(o);
            reportMemoryKills();
        });
        return outcome;
    }

    /** A tool call as people read it in a timeout message: its name and its command or file, shortened. */
    private static String describeTool(Map<String, Object> toolUse) {
        Object input = toolUse.get("input");
        String detail = null;
        if (input instanceof Map<?, ?> m) {
            for (String key : List.of("command", "file_path", "pattern", "url")) {
                if (m.get(key) instanceof String v) {
                    detail = v;
                    break;
                }
            }
        }
        String name = String.valueOf(toolUse.get("name"));
        if (detail == null) {
            return name;
        }
        String line = detail.strip().replaceAll("\\s+", " ");
        return name + ": " + (line.length() > 120 ? line.substring(0, 120) + "…" : line);
    }

    /** The events without the deliveries already announced (e.g. by an earlier process); marks the others delivered. */
    private List<NewEvent> announceable(Handle h, List<NewEvent> events) {
        return events.stream().filter(e -> e.type() != EventType.MESSAGE_DELIVERED
                || ctx.store().messages().markDelivered(h, (String) e.data().get("messageId"), now())).toList();
    }

    /**
     * The session's cost after a turn. The CLI reports {@code total_cost_usd} for the whole conversation (also
     * across {@code --resume}), and tokens per turn.
     */
    private static Cost costAfter(Cost before, Map<String, Object> turn) {
        double total = number(turn.get("costUsd"));
        return new Cost(Math.max(before.usd(), total), before.inputTokens() + (long) number(turn.get("inputTokens")),
                before.outputTokens() + (long) number(turn.get("outputTokens")));
    }

    private static double number(Object value) {
        return value instanceof Number n ? n.doubleValue() : 0;
    }

    /** Writes every queued message the current agent has not been given yet. */
    private void deliverQueued() throws StepFailure {
        ClaudeAgent a = agent;
        if (a == null) {
            return;
        }
        List<SessionMessage> queued = ctx.store().jdbi().withHandle(h -> ctx.store().messages().queued(h, sessionId));
        for (SessionMessage m : queued) {
            if (writtenToAgent.add(m.id())) {
                try {
                    a.sendUserMessage(m.id(), m.text());
                    limits.turnStarted(now());
                } catch (IOException e) {
                    writtenToAgent.remove(m.id());
                    log.warn("session {}: could not write a message to the agent: {}", sessionId, e.getMessage());
                }
            }
        }
    }

    private void interruptAgent() {
        ClaudeAgent a = agent;
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
        long kills = sandbox.memoryKills();
        if (kills > memoryKillsSeen) {
            memoryKillsSeen = kills;
            ctx.store().append(sessionId, List.of(NewEvent.of(EventType.ERROR, Map.of("message",
                    "A process in the sandbox went past the session's memory limit and was killed " + limitText() + "."))));
        }
    }

    private String limitText() {
        Object memory = limitValue("memoryMiB");
        return memory == null ? "" : "(limit " + memory + " MiB)";
    }

    private Object limitValue(String name) {
        return sandbox.describe().get("limits") instanceof Map<?, ?> m ? m.get(name) : null;
    }

    /**
     * A command that keeps forking (a fork bomb) fills the process limit the agent shares with its tools, and the
     * agent dies for want of a thread. Then everything left in the sandbox is killed, an {@code error} event says
     * so, and the conversation is resumed in a fresh agent process that is told its command was stopped; the turn
     * goes on. False when the agent died of something else, or too often at the limit already.
     */
    private boolean resumedAfterProcessLimit() throws StepFailure, Stopped, InterruptedException {
        if (sandbox.processLimitHits() <= processLimitHitsSeen || sandbox.memoryKills() > memoryKillsSeen
                || processLimitResumes >= MAX_PROCESS_LIMIT_RESUMES) {
            return false;
        }
        processLimitResumes++;
        stopAgent();
        processLimitHitsSeen = sandbox.processLimitHits();
        ctx.store().append(sessionId, List.of(NewEvent.of(EventType.ERROR, Map.of("message",
                "A command in the sandbox hit the session's process limit (" + limitValue("maxProcesses")
                        + " processes and threads) and stopped the agent; everything left in the sandbox was killed "
                        + "and the agent continues (" + processLimitResumes + " of " + MAX_PROCESS_LIMIT_RESUMES + ")."))));
        startAgent(load().orElseThrow(Stopped::new));
        String id = Ids.newId();
        writtenToAgent.add(id);
        try {
            agent.sendUserMessage(id, CONTINUE_AFTER_PROCESS_LIMIT);
            limits.turnStarted(now());
        } catch (IOException e) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, "The agent, resumed after a command hit the process "
                    + "limit, did not accept the request to continue: " + e.getMessage(), e);
        }
        deliverQueued();
        return true;
    }

    private StepFailure agentDied(int code) {
        Optional<String> stoppedBecause = agent == null ? Optional.empty() : agent.stoppedBecause();
        if (stoppedBecause.isPresent()) {
            return new StepFailure(FailureReason.AGENT_ERROR, stoppedBecause.get());
        }
        if (sandbox != null && sandbox.diskLimitExceeded().isPresent()) {
            return new StepFailure(FailureReason.SANDBOX_FAILED, sandbox.diskLimitExceeded().get().message()
                    + " Raise MAGNET_SANDBOX_DISK_MB (or MAGNET_SANDBOX_MAX_FILES) if the task needs more, then retry.");
        }
        if (sandbox != null && sandbox.memoryKills() > memoryKillsSeen) {
            return new StepFailure(FailureReason.SANDBOX_FAILED, "The session ran out of memory: the agent went past "
                    + "the sandbox's memory limit " + limitText() + " and was killed (exit code " + code + "). "
                    + "Raise MAGNET_SANDBOX_MEMORY_MB or give the agent a smaller task, then retry.");
        }
        if (sandbox != null && sandbox.processLimitHits() > processLimitHitsSeen) {
            return new StepFailure(FailureReason.SANDBOX_FAILED, "The session hit the sandbox's process limit ("
                    + limitValue("maxProcesses") + " processes and threads) and the agent could not go on (exit code "
                    + code + "); something it ran kept starting processes"
                    + (processLimitResumes == 0 ? "" : ", also after " + processLimitResumes + " resumes")
                    + ". Raise MAGNET_SANDBOX_MAX_PROCESSES if the task needs more, then retry.");
        }
        String tail = agent == null ? "" : agent.stderrTail();
        String message = "The agent exited unexpectedly (exit code " + code + ")"
                + (tail.isBlank() ? "." : ". Last lines of its output:\n" + tail);
        return new StepFailure(FailureReason.AGENT_ERROR, ctx.redact(message));
    }

    private void stopAgent() throws InterruptedException {
        ClaudeAgent a = agent;
        if (a != null) {
            a.stop(Duration.ofSeconds(10));
        }
        agent = null;
        ctx.relay().close(sessionId);
        sandbox.stopProcesses();
    }

    private void killAgent() {
        ClaudeAgent a = agent;
        if (a != null) {
            a.close();
        }
    }

    /**
     * Takes the agent's work out of the sandbox (leftovers committed inside, the branch handed over as checked data),
     * stores the diff and pushes the session branch (only it, never forced), all from the session repository.
     */
    private void finish(Session s) throws StepFailure, Stopped {
        try {
            String message = "Leftover changes of Magnet session " + BranchName.shortId(s.id()) + "\n\n" + s.title()
                    + "\n\nCo-authored-by: " + coAuthor(s);
            ctx.transfer().handOver(sandbox, repo, message, ctx.identity(), ctx.config().sandbox().diskMiB() * 1024 * 1024);
            String files = Json.write(repo.diffStats().stream().map(SessionWorkflow::fileJson).toList());
            SessionDiffs.StoredDiff stored = new SessionDiffs.StoredDiff(repo.baseCommit(), repo.branchCommit().orElseThrow(),
                    repo.diff(), files, now());
            ctx.store().jdbi().useTransaction(h -> ctx.diffs().save(h, sessionId, stored));
            if (s.repo() != null && repo.hasCommitsBeyondBase()) {
                push(s);
                if (origin(s).isGitHub()) {
                    publishPullRequest();
                }
            }
        } catch (GitHubException e) {
            throw new StepFailure(FailureReason.PR_FAILED, "Opening or updating the pull request failed: " + e.getMessage(), e);
        } catch (GitException e) {
            if (e.kind() == GitException.Kind.PUSH_REJECTED) {
                throw new StepFailure(FailureReason.PUSH_REJECTED, e.getMessage(), e);
            }
            throw new StepFailure(FailureReason.AGENT_ERROR, "Finishing failed: " + e.getMessage(), e);
        }
        if (stopped) {
            throw new Stopped();
        }
    }

    /** Opens the session's pull request, or updates the one it has; the session's {@code pr} and events follow. */
    private void publishPullRequest() throws Stopped {
        Session current = load().orElseThrow(Stopped::new);
        List<dev.magnet.events.Event> results = ctx.store().events().ofTypes(sessionId, List.of(EventType.TURN_RESULT));
        String summary = results.reversed().stream()
                .filter(e -> Boolean.TRUE.equals(e.data().get("success")) && e.data().get("result") instanceof String)
                .map(e -> (String) e.data().get("result"))
                .findFirst().orElse(null);
        ctx.pullRequests().publish(current, summary, repo.diffStats());
    }

    /**
     * Pushes the session branch to the origin. A git origin that does not accept pushes is noted, not fatal; a
     * GitHub repository that refuses the push fails the session with {@code push_rejected}.
     */
    private void push(Session s) throws StepFailure {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("status", "active");
        data.put("phase", "finishing");
        data.put("branch", s.branch());
        Origin to = origin(s);
        try {
            PushResult pushed = withCredentials(to, auth -> repo.push(to.url(), auth));
            data.put("reason", "pushed " + s.branch() + " to the origin (" + pushed.outcome().name().toLowerCase(java.util.Locale.ROOT) + ")");
            data.put("pushed", true);
        } catch (GitHubException e) {
            throw new StepFailure(FailureReason.PUSH_REJECTED, "GitHub credentials for the push could not be had: "
                    + e.getMessage(), e);
        } catch (GitException e) {
            if (e.kind() != GitException.Kind.ACCESS_DENIED) {
                throw e;
            }
            if (to.isGitHub()) {
                throw new StepFailure(FailureReason.PUSH_REJECTED, "GitHub refused the push of " + s.branch() + " to "
                        + to.repo() + ": " + e.getMessage(), e);
            }
            data.put("reason", "not pushed: " + e.getMessage() + " The branch is kept in Magnet.");
            data.put("pushed", false);
        }
        ctx.store().append(sessionId, List.of(NewEvent.of(EventType.STATUS, data)));
    }

    /** The session's author as a git co-author (users without an e-mail get a stable placeholder address). */
    private static GitIdentity coAuthor(Session s) {
        String email = s.author().email() == null ? s.author().id() + "@users.magnet.invalid" : s.author().email();
        return new GitIdentity(s.author().name(), email);
    }

    private static Map<String, Object> fileJson(ChangedFile f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", f.path());
        m.put("oldPath", f.oldPath());
        m.put("status", f.change().name().toLowerCase(java.util.Locale.ROOT));
        m.put("additions", f.additions());
        m.put("deletions", f.deletions());
        m.put("binary", f.binary());
        return m;
    }

    private Optional<Session> load() {
        return ctx.store().jdbi().withHandle(h -> ctx.store().sessions().find(h, sessionId, false));
    }

    /** Applies a transition if the session is still active; unwinds when it is not (cancelled meanwhile). */
    private Session transition(UnaryOperator<Session> change) throws Stopped {
        if (stopped) {
            throw new Stopped();
        }
        return ctx.store().change(sessionId, Session::isActive, change).orElseThrow(Stopped::new);
    }

    private void fail(FailureReason reason, String message) {
        if (stopped) {
            return;
        }
        ctx.store().change(sessionId, Session::isActive, s -> s.fail(reason, ctx.redact(message), now()));
        ctx.metrics().sessionFailed(reason);
    }

    private Instant now() {
        return ctx.store().clock().instant();
    }
}
