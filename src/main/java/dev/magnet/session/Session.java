package dev.magnet.session;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A session: one prompt given to Claude Code in its own sandbox (SPEC §1). What it was asked to do is its
 * {@link SessionSpec}, written once; the rest is its changing state. Immutable; transitions are verbs that return
 * the next state with the change appended to {@link #history()}.
 *
 * @param baseBranch   the base branch: the one asked for (null: the repository's default), then the one resolved when
 *                     the repository was cloned
 * @param baseCommit   the commit the session branch started from, once cloned
 * @param lastTurn     how the agent's last turn stands, or null before its first message is taken
 * @param pushedCommit the session branch's commit last pushed to the origin, or null
 */
public record Session(
        SessionSpec spec,
        String title,
        String baseBranch,
        Status status,
        Phase phase,
        Failure failure,
        boolean agentStarted,
        String baseCommit,
        int messageCount,
        Cost cost,
        PullRequest pr,
        LastTurn lastTurn,
        String pushedCommit,
        Instant updatedAt,
        int version,
        List<PhaseChange> history) {

    public Session {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(cost, "cost");
        history = List.copyOf(history);
    }

    /** A new session, active and queued, with its first message counted; {@code baseBranch} null for the default. */
    public static Session create(SessionSpec spec, String title, String baseBranch) {
        Instant at = spec.createdAt();
        return new Session(spec, title, baseBranch, Status.ACTIVE, Phase.QUEUED, null, false, null, 1,
                Cost.ZERO, null, null, null, at, 0, List.of(new PhaseChange(Status.ACTIVE, Phase.QUEUED, "created", at)));
    }

    public String id() {
        return spec.id();
    }

    public String workspaceId() {
        return spec.workspaceId();
    }

    public Author author() {
        return spec.author();
    }

    public String prompt() {
        return spec.prompt();
    }

    public String repo() {
        return spec.repo();
    }

    public String branch() {
        return spec.branch();
    }

    public String model() {
        return spec.model();
    }

    /** The environment the session runs in, or null. */
    public String environmentId() {
        return spec.environmentId();
    }

    public String retryOf() {
        return spec.retryOf();
    }

    public String agentSessionId() {
        return spec.agentSessionId();
    }

    public Instant createdAt() {
        return spec.createdAt();
    }

    public boolean isActive() {
        return status == Status.ACTIVE;
    }

    /** Moves an active session to the next phase. */
    public Session moveTo(Phase next, String reason, Instant at) {
        requireActive("move to " + next.wire());
        if (!phase.canMoveTo(next) || next == Phase.DONE) {
            throw new IllegalStateException("session " + id() + " cannot move from " + phase.wire() + " to " + next.wire());
        }
        return with(Status.ACTIVE, next, failure, at, reason);
    }

    /** The agent's work is finished and pushed: completed. */
    public Session complete(Instant at) {
        requireActive("complete");
        if (phase != Phase.FINISHING) {
            throw new IllegalStateException("session " + id() + " can only complete from finishing, not " + phase.wire());
        }
        return with(Status.COMPLETED, Phase.DONE, null, at, "completed");
    }

    /** Fails an active session with a typed reason, keeping the phase it failed in. */
    public Session fail(FailureReason reason, String message, Instant at) {
        requireActive("fail");
        return with(Status.FAILED, Phase.DONE, new Failure(reason, message, phase), at, reason.wire());
    }

    /** A follow-up to a completed session sends it back to work on the same branch. */
    public Session reopen(Instant at) {
        if (status != Status.COMPLETED) {
            throw new IllegalStateException("only a completed session can be reopened; " + id() + " is " + status.wire());
        }
        return with(Status.ACTIVE, Phase.RUNNING, null, at, "follow-up");
    }

    public Session withTitle(String newTitle, Instant at) {
        return new Session(spec, newTitle, baseBranch, status, phase, failure, agentStarted, baseCommit, messageCount, cost,
                pr, lastTurn, pushedCommit, at, version, history);
    }

    public Session withAgentStarted(Instant at) {
        return new Session(spec, title, baseBranch, status, phase, failure, true, baseCommit, messageCount, cost, pr,
                lastTurn, pushedCommit, at, version, history);
    }

    /** Records the base the session's branch starts from (the branch resolved when none was given). */
    public Session withBase(String resolvedBaseBranch, String commit, Instant at) {
        return new Session(spec, title, resolvedBaseBranch, status, phase, failure, agentStarted, commit, messageCount,
                cost, pr, lastTurn, pushedCommit, at, version, history);
    }

    public Session withOneMoreMessage(Instant at) {
        return new Session(spec, title, baseBranch, status, phase, failure, agentStarted, baseCommit, messageCount + 1,
                cost, pr, lastTurn, pushedCommit, at, version, history);
    }

    public Session withCost(Cost newCost, Instant at) {
        return new Session(spec, title, baseBranch, status, phase, failure, agentStarted, baseCommit, messageCount,
                newCost, pr, lastTurn, pushedCommit, at, version, history);
    }

    public Session withPullRequest(PullRequest newPr, Instant at) {
        return new Session(spec, title, baseBranch, status, phase, failure, agentStarted, baseCommit, messageCount, cost,
                newPr, lastTurn, pushedCommit, at, version, history);
    }

    /** How the agent's last turn stands now. */
    public Session withLastTurn(LastTurn turn, Instant at) {
        return new Session(spec, title, baseBranch, status, phase, failure, agentStarted, baseCommit, messageCount, cost,
                pr, turn, pushedCommit, at, version, history);
    }

    /** The session branch reached the origin at {@code commit}. */
    public Session withPushed(String commit, Instant at) {
        return new Session(spec, title, baseBranch, status, phase, failure, agentStarted, baseCommit, messageCount, cost,
                pr, lastTurn, commit, at, version, history);
    }

    /** This state as stored: {@code newVersion}, with its full history. */
    Session stored(int newVersion, List<PhaseChange> fullHistory) {
        return new Session(spec, title, baseBranch, status, phase, failure, agentStarted, baseCommit, messageCount, cost,
                pr, lastTurn, pushedCommit, updatedAt, newVersion, fullHistory);
    }

    private void requireActive(String what) {
        if (status != Status.ACTIVE) {
            throw new IllegalStateException("cannot " + what + ": session " + id() + " is " + status.wire());
        }
    }

    private Session with(Status newStatus, Phase newPhase, Failure newFailure, Instant at, String reason) {
        List<PhaseChange> next = new ArrayList<>(history);
        next.add(new PhaseChange(newStatus, newPhase, reason, at));
        return new Session(spec, title, baseBranch, newStatus, newPhase, newFailure, agentStarted, baseCommit,
                messageCount, cost, pr, lastTurn, pushedCommit, at, version, next);
    }
}
