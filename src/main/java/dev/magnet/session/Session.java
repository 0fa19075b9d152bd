package dev.magnet.session;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A session: one prompt given to Claude Code in its own sandbox (SPEC §1). Immutable; transitions are
 * verbs that return the next state with the change appended to {@link #history()}.
 */
public record Session(
        String id,
        String workspaceId,
        Author author,
        String title,
        String prompt,
        String repo,
        String baseBranch,
        String branch,
        String model,
        Status status,
        Phase phase,
        Failure failure,
        String retryOf,
        String agentSessionId,
        boolean agentStarted,
        String baseCommit,
        int messageCount,
        Cost cost,
        PullRequest pr,
        Instant createdAt,
        Instant updatedAt,
        int version,
        List<PhaseChange> history) {

    public Session {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(phase, "phase");
        history = List.copyOf(history);
    }

    /** A new session, active and queued. */
    public static Session create(String id, String workspaceId, Author author, String title, String prompt,
                                 String repo, String baseBranch, String branch, String model, String retryOf,
                                 String agentSessionId, Instant at) {
        return new Session(id, workspaceId, author, title, prompt, repo, baseBranch, branch, model,
                Status.ACTIVE, Phase.QUEUED, null, retryOf, agentSessionId, false, null, 1, Cost.ZERO, null,
                at, at, 0, List.of(new PhaseChange(Status.ACTIVE, Phase.QUEUED, "created", at)));
    }

    public boolean isActive() {
        return status == Status.ACTIVE;
    }

    /** Moves an active session to the next phase. */
    public Session moveTo(Phase next, String reason, Instant at) {
        requireActive("move to " + next.wire());
        if (!phase.canMoveTo(next) || next == Phase.DONE) {
            throw new IllegalStateException("session " + id + " cannot move from " + phase.wire() + " to " + next.wire());
        }
        return with(Status.ACTIVE, next, failure, at, reason);
    }

    /** The agent's work is finished and pushed: completed. */
    public Session complete(Instant at) {
        requireActive("complete");
        if (phase != Phase.FINISHING) {
            throw new IllegalStateException("session " + id + " can only complete from finishing, not " + phase.wire());
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
            throw new IllegalStateException("only a completed session can be reopened; " + id + " is " + status.wire());
        }
        return with(Status.ACTIVE, Phase.RUNNING, null, at, "follow-up");
    }

    public Session withTitle(String newTitle, Instant at) {
        return copy(newTitle, agentStarted, baseCommit, messageCount, cost, pr, at);
    }

    public Session withAgentStarted(Instant at) {
        return copy(title, true, baseCommit, messageCount, cost, pr, at);
    }

    /** Records the base the session's branch starts from (the branch resolved when none was given). */
    public Session withBase(String resolvedBaseBranch, String commit, Instant at) {
        return new Session(id, workspaceId, author, title, prompt, repo, resolvedBaseBranch, branch, model, status, phase,
                failure, retryOf, agentSessionId, agentStarted, commit, messageCount, cost, pr, createdAt, at, version,
                history);
    }

    public Session withOneMoreMessage(Instant at) {
        return copy(title, agentStarted, baseCommit, messageCount + 1, cost, pr, at);
    }

    public Session withCost(Cost newCost, Instant at) {
        return copy(title, agentStarted, baseCommit, messageCount, newCost, pr, at);
    }

    public Session withPullRequest(PullRequest newPr, Instant at) {
        return copy(title, agentStarted, baseCommit, messageCount, cost, newPr, at);
    }

    private void requireActive(String what) {
        if (status != Status.ACTIVE) {
            throw new IllegalStateException("cannot " + what + ": session " + id + " is " + status.wire());
        }
    }

    private Session with(Status newStatus, Phase newPhase, Failure newFailure, Instant at, String reason) {
        List<PhaseChange> next = new ArrayList<>(history);
        next.add(new PhaseChange(newStatus, newPhase, reason, at));
        return new Session(id, workspaceId, author, title, prompt, repo, baseBranch, branch, model, newStatus, newPhase,
                newFailure, retryOf, agentSessionId, agentStarted, baseCommit, messageCount, cost, pr, createdAt, at,
                version, next);
    }

    private Session copy(String newTitle, boolean newAgentStarted, String newBaseCommit, int newMessageCount,
                         Cost newCost, PullRequest newPr, Instant at) {
        return new Session(id, workspaceId, author, newTitle, prompt, repo, baseBranch, branch, model, status, phase,
                failure, retryOf, agentSessionId, newAgentStarted, newBaseCommit, newMessageCount, newCost, newPr,
                createdAt, at, version, history);
    }
}
