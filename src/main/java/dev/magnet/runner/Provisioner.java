package dev.magnet.runner;

import dev.magnet.git.BranchName;
import dev.magnet.git.GitException;
import dev.magnet.git.GitIdentity;
import dev.magnet.git.SessionRepo;
import dev.magnet.git.SessionRepoSpec;
import dev.magnet.git.SessionRepos;
import dev.magnet.git.WorkspaceTransfer;
import dev.magnet.github.GitHubException;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxException;
import dev.magnet.sandbox.SandboxFailure;
import dev.magnet.sandbox.SandboxProvider;
import dev.magnet.session.FailureReason;
import dev.magnet.session.Session;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the place a session works in: its sandbox over the session's folders, its repository on the host, and the
 * workspace seeded from that repository inside the sandbox. Errors come out as the session's failure.
 */
final class Provisioner {
    private static final Logger log = LoggerFactory.getLogger(Provisioner.class);
    private final SandboxProvider sandboxes;
    private final SessionRepos repos;
    private final WorkspaceTransfer transfer;
    private final GitIdentity identity;

    Provisioner(SandboxProvider sandboxes, SessionRepos repos, WorkspaceTransfer transfer, GitIdentity identity) {
        this.sandboxes = Objects.requireNonNull(sandboxes, "sandboxes");
        this.repos = Objects.requireNonNull(repos, "repos");
        this.transfer = Objects.requireNonNull(transfer, "transfer");
        this.identity = Objects.requireNonNull(identity, "identity");
    }

    /**
     * A sandbox over the session's folders (which exist), its root file system from {@code image} and the snapshots,
     * with {@code cachedWorkspace} (or null) bound read-only for the helper that restores it.
     */
    Sandbox sandbox(SessionPaths paths, String sessionId, String image, List<Path> snapshots, Path cachedWorkspace)
            throws StepFailure {
        try {
            return sandboxes.create(paths.sandboxSpec(sessionId, image, snapshots, cachedWorkspace));
        } catch (SandboxException e) {
            throw new StepFailure(reasonOf(e.failure()), e.getMessage(), e);
        }
    }

    /** The session's failure reason for a kind of sandbox failure (a pod whose image could not be pulled, …). */
    static FailureReason reasonOf(SandboxFailure failure) {
        return switch (failure) {
            case SANDBOX_FAILED -> FailureReason.SANDBOX_FAILED;
            case IMAGE_PULL_FAILED -> FailureReason.IMAGE_PULL_FAILED;
            case UNSCHEDULABLE -> FailureReason.UNSCHEDULABLE;
            case EVICTED -> FailureReason.EVICTED;
            case OOM_KILLED -> FailureReason.OOM_KILLED;
        };
    }

    /** What identifies an image as built (for setup cache keys). */
    String imageVersion(String image) {
        return sandboxes.imageVersion(image);
    }

    /**
     * Kills what a sandbox of this session, made by a server that died, left running; failures are only logged (the
     * next sandbox of the session does it again).
     */
    void discardLeftovers(String sessionId) {
        try {
            sandboxes.discardLeftovers(sessionId);
        } catch (RuntimeException e) {
            log.warn("session {}: could not kill what its last sandbox left running: {}", sessionId, e.getMessage());
        }
    }

    /**
     * The session's repository made afresh from its origin (or empty without one) and the sandbox's empty workspace
     * seeded from it.
     */
    SessionRepo cloneInto(Sandbox sandbox, Session s, SessionPaths paths, Optional<Origin> origin) throws StepFailure {
        try {
            paths.deleteRepo();
            BranchName base = origin.isPresent() ? origin.get().baseBranch(s.baseBranch())
                    : s.baseBranch() == null ? null : BranchName.of(s.baseBranch());
            SessionRepo repo = origin.isPresent()
                    ? origin.get().withCredentials(auth -> repos.create(spec(s, paths, origin, base).withAuth(auth)))
                    : repos.create(spec(s, paths, origin, base));
            seed(sandbox, repo, s, origin);
            return repo;
        } catch (GitHubException | GitException | IllegalArgumentException e) {
            throw new StepFailure(FailureReason.CLONE_FAILED, e.getMessage(), e);
        }
    }

    /**
     * The repository of a session picked up again, with its workspace: the kept one as it is (nothing in it is read
     * here), or, when it was torn down, a new one seeded from the session repository. A session from before session
     * repositories existed gets one made from its origin's pushed branch.
     *
     * @return the repository, and whether the workspace was made again
     */
    Reopened reopen(Sandbox sandbox, Session s, SessionPaths paths, Supplier<Optional<Origin>> origin) throws StepFailure {
        if (s.baseCommit() == null) {
            throw new StepFailure(FailureReason.LOST, "The session has no recorded base commit to continue from.");
        }
        BranchName base = BranchName.of(s.baseBranch());
        BranchName branch = BranchName.of(s.branch());
        if (!paths.workspaceIsEmpty() || sandbox.keepsWorkspace()) {
            return new Reopened(repos.open(paths.repo(), base, branch, s.baseCommit()), false);
        }
        try {
            SessionRepo repo = repos.open(paths.repo(), base, branch, s.baseCommit());
            Optional<Origin> from = Optional.empty();
            if (repo.branchCommit().isEmpty()) {
                from = origin.get();
                if (from.isEmpty()) {
                    throw new StepFailure(FailureReason.LOST, "The session's workspace is gone and the session has no "
                            + "repository to make it again from.");
                }
                paths.deleteRepo();
                Origin o = from.get();
                repo = o.withCredentials(auth -> repos.create(spec(s, paths, Optional.of(o), base).withAuth(auth)));
            } else if (s.repo() != null) {
                from = origin.get();
            }
            seed(sandbox, repo, s, from);
            return new Reopened(repo, true);
        } catch (GitHubException e) {
            throw new StepFailure(FailureReason.CLONE_FAILED, "GitHub is needed to continue the session: " + e.getMessage(), e);
        } catch (GitException | IllegalArgumentException e) {
            throw new StepFailure(FailureReason.LOST, "The session's workspace cannot be made again: " + e.getMessage(), e);
        }
    }

    /** Makes the sandbox's empty workspace a repository on the session branch, as the origin's URL names it for the agent. */
    private void seed(Sandbox sandbox, SessionRepo repo, Session s, Optional<Origin> origin) {
        // why: the setup phase asks next whether the base holds the repository's setup script; the look-up the
        // seeding makes anyway answers that too, one git process fewer on the way to the agent's start
        transfer.seed(sandbox, repo, repo.heads(List.of(SetupStep.REPO_SCRIPT)), identity, coAuthor(s),
                origin.map(Origin::agentUrl).orElse(null));
    }

    /** A session's repository picked up again, and whether its workspace was made again. */
    record Reopened(SessionRepo repo, boolean remade) {
    }

    /** The session's author as a git co-author (users without an e-mail get a stable placeholder address). */
    static GitIdentity coAuthor(Session s) {
        String email = s.author().email() == null ? s.author().id() + "@users.magnet.invalid" : s.author().email();
        return new GitIdentity(s.author().name(), email);
    }

    private SessionRepoSpec spec(Session s, SessionPaths paths, Optional<Origin> origin, BranchName base) {
        return new SessionRepoSpec(paths.repo(), s.workspaceId(), origin.map(Origin::url).orElse(null), base,
                BranchName.of(s.branch()), identity, null);
    }
}
