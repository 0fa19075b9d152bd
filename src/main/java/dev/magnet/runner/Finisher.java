package dev.magnet.runner;

import dev.magnet.events.Event;
import dev.magnet.events.EventData;
import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;
import dev.magnet.git.BranchName;
import dev.magnet.git.ChangedFile;
import dev.magnet.git.GitException;
import dev.magnet.git.GitIdentity;
import dev.magnet.git.PushResult;
import dev.magnet.git.SessionRepo;
import dev.magnet.git.WorkspaceTransfer;
import dev.magnet.github.GitHubException;
import dev.magnet.github.PullRequests;
import dev.magnet.github.SessionSummary;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.session.FailureReason;
import dev.magnet.session.Session;
import dev.magnet.session.SessionDiffs;
import dev.magnet.session.SessionStore;
import dev.magnet.json.Json;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes a turn's work: takes the agent's work out of the sandbox (leftovers committed inside, the branch handed
 * over as checked data), stores the diff, pushes the session branch (only it, never forced) and opens or updates the
 * pull request, all from the session repository. Nothing runs in the sandbox meanwhile.
 */
final class Finisher {
    private static final Logger log = LoggerFactory.getLogger(Finisher.class);
    /** The waits before each new attempt of a push whose origin could not be reached: 4 attempts in about 7 s. */
    static final List<Duration> PUSH_WAITS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
    private static final String RETRY_ONCE_BACK = "The diff stays in Magnet; retry the session once the origin answers "
            + "again.";
    private final List<Duration> pushWaits;
    private final WorkspaceTransfer transfer;
    private final SessionStore store;
    private final PullRequests pullRequests;
    private final GitIdentity identity;
    private final long maxHandOverBytes;
    private final UnaryOperator<String> redact;
    private final Clock clock;

    /**
     * @param identity         who commits what the agent left uncommitted
     * @param maxHandOverBytes the most git data taken from the sandbox at once
     * @param redact           masks known secrets in the stored diff
     */
    Finisher(WorkspaceTransfer transfer, SessionStore store, PullRequests pullRequests, GitIdentity identity,
             long maxHandOverBytes, UnaryOperator<String> redact, Clock clock) {
        this(transfer, store, pullRequests, identity, maxHandOverBytes, redact, clock, PUSH_WAITS);
    }

    /** @param pushWaits the waits before each new attempt of a push whose origin could not be reached */
    Finisher(WorkspaceTransfer transfer, SessionStore store, PullRequests pullRequests, GitIdentity identity,
             long maxHandOverBytes, UnaryOperator<String> redact, Clock clock, List<Duration> pushWaits) {
        this.pushWaits = List.copyOf(pushWaits);
        this.redact = redact;
        this.transfer = transfer;
        this.store = store;
        this.pullRequests = pullRequests;
        this.identity = identity;
        this.maxHandOverBytes = maxHandOverBytes;
        this.clock = clock;
    }

    /**
     * Hands the work over, stores the diff and, when the branch has commits beyond the base and the session has an
     * origin, pushes it (a GitHub repository then gets its pull request). A branch whose history holds the value of
     * one of the environment's {@code secrets} is not pushed.
     *
     * @throws StepFailure {@code push_rejected}, {@code pr_failed}, or {@code agent_error} when the hand-over fails
     */
    void finish(Session s, Sandbox sandbox, SessionRepo repo, Optional<Origin> origin, Map<String, String> secrets)
            throws StepFailure {
        try {
            String message = "Leftover changes of Magnet session " + BranchName.shortId(s.id()) + "\n\n" + s.title()
                    + "\n\nCo-authored-by: " + Provisioner.coAuthor(s);
            transfer.handOver(sandbox, repo, message, identity, maxHandOverBytes);
            List<ChangedFile> files = repo.diffStats();
            SessionDiffs.StoredDiff stored = new SessionDiffs.StoredDiff(repo.baseCommit(), repo.branchCommit().orElseThrow(),
                    redact.apply(repo.diff()), Json.write(files.stream().map(Finisher::fileJson).toList()), clock.instant());
            store.withLocked(s.id(), (locked, w) -> {
                w.saveDiff(stored);
                return true;
            });
            if (origin.isPresent() && repo.hasCommitsBeyondBase()) {
                refuseSecrets(s, repo, secrets);
                push(s, repo, origin.get());
                if (origin.get().isGitHub()) {
                    publishPullRequest(s, files);
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
    }

    /** Refuses to push a branch that carries a secret's value: it is said in an event and the session fails. */
    private void refuseSecrets(Session s, SessionRepo repo, Map<String, String> secrets) throws StepFailure {
        Optional<String> leaked = repo.historyMentions(secrets);
        if (leaked.isEmpty()) {
            return;
        }
        String message = "Not pushed: the commits of " + s.branch() + " contain the value of the secret " + leaked.get()
                + ". The branch stays in Magnet (its diff shows the value redacted); remove the value from the history "
                + "(or rotate the secret), then retry.";
        store.append(s.id(), List.of(NewEvent.of(new EventData.Error(message))));
        throw new StepFailure(FailureReason.PUSH_REJECTED, message);
    }

    /**
     * Pushes the session branch to the origin and records it (the pushed commit on the session, a {@code status}
     * event) in one transaction. A git origin that does not accept pushes is noted, not fatal; a GitHub repository
     * that refuses the push fails the session with {@code push_rejected}.
     */
    private void push(Session s, SessionRepo repo, Origin to) throws StepFailure {
        EventData.Status status;
        String pushedCommit = null;
        try {
            PushResult pushed = pushTryingAgain(s, repo, to);
            pushedCommit = pushed.commit();
            status = EventData.Status.of("active", "finishing", "pushed " + s.branch() + " to the origin ("
                    + pushed.outcome().name().toLowerCase(Locale.ROOT) + ")").withPush(s.branch(), true);
        } catch (GitHubException e) {
            throw new StepFailure(FailureReason.PUSH_REJECTED, "GitHub credentials for the push of " + s.branch()
                    + " could not be had: " + e.getMessage() + (e.kind() == GitHubException.Kind.UNAVAILABLE
                    ? ". " + RETRY_ONCE_BACK : ""), e);
        } catch (GitException e) {
            switch (e.kind()) {
                case ACCESS_DENIED -> {
                    if (to.isGitHub()) {
                        throw new StepFailure(FailureReason.PUSH_REJECTED, "GitHub refused the push of " + s.branch()
                                + " to " + to.repo() + ": " + e.getMessage(), e);
                    }
                    status = EventData.Status.of("active", "finishing", "not pushed: " + e.getMessage()
                            + " The branch is kept in Magnet.").withPush(s.branch(), false);
                }
                case PUSH_REJECTED, INTERRUPTED -> throw e;
                // why: the origin could not be reached (or is gone): nothing is wrong with the agent's work, so this
                // is not agent_error; the session fails as a push that did not go through, and says to retry
                default -> throw new StepFailure(FailureReason.PUSH_REJECTED, "Could not push " + s.branch()
                        + (e.kind() == GitException.Kind.NETWORK ? " in " + (pushWaits.size() + 1) + " attempts" : "")
                        + ": " + e.getMessage() + ". " + RETRY_ONCE_BACK, e);
            }
        }
        String commit = pushedCommit;
        EventData.Status event = status;
        store.withLocked(s.id(), (locked, w) -> {
            if (commit != null) {
                w.save(locked.withPushed(commit, clock.instant()));
            }
            w.append(List.of(NewEvent.of(event)));
            return true;
        });
    }

    /**
     * Pushes, trying again after each of {@link #pushWaits} while the origin cannot be reached (a connection refused
     * or cut, a name that does not resolve, GitHub unavailable for the push's credentials): pushing the same branch
     * again is harmless, at worst it finds it up to date.
     */
    private PushResult pushTryingAgain(Session s, SessionRepo repo, Origin to) {
        for (int attempt = 0; ; attempt++) {
            try {
                return to.withCredentials(auth -> repo.push(to.url(), auth));
            } catch (GitException | GitHubException e) {
                boolean unreachable = e instanceof GitException g ? g.kind() == GitException.Kind.NETWORK
                        : ((GitHubException) e).kind() == GitHubException.Kind.UNAVAILABLE;
                if (!unreachable || attempt >= pushWaits.size()) {
                    throw e;
                }
                Duration wait = pushWaits.get(attempt);
                log.warn("session {}: could not reach the origin to push {} ({}); trying again in {} ms ({} of {})",
                        s.id(), s.branch(), e.getMessage(), wait.toMillis(), attempt + 1, pushWaits.size());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new GitException(GitException.Kind.INTERRUPTED, "the push of " + s.branch() + " was stopped");
                }
            }
        }
    }

    /**
     * Opens the session's pull request, or updates the one it has (a new one when it was merged or closed and this turn
     * pushed new commits); the session's {@code pr} and events follow. The body sums up the whole session.
     */
    private void publishPullRequest(Session before, List<ChangedFile> files) {
        Session current = store.find(before.id()).orElseThrow();
        List<Event> events = store.eventsOfTypes(before.id(), List.of(EventType.TURN_RESULT, EventType.TOOL_USE,
                EventType.TOOL_RESULT));
        pullRequests.publish(current, SessionSummary.of(events), files,
                !java.util.Objects.equals(before.pushedCommit(), current.pushedCommit()));
    }

    private static Map<String, Object> fileJson(ChangedFile f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", f.path());
        m.put("oldPath", f.oldPath());
        m.put("status", f.change().name().toLowerCase(Locale.ROOT));
        m.put("additions", f.additions());
        m.put("deletions", f.deletions());
        m.put("binary", f.binary());
        return m;
    }
}
