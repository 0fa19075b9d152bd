package dev.magnet.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Objects;
import java.util.Optional;

/**
 * Makes session workspaces: a clone of the repository's mirror (hardlinked objects, no second
 * network fetch) on the session branch, or a fresh repository when the session has none; and
 * reopens a workspace that already exists.
 */
public final class Workspaces {
    /** The base branch when neither the session nor the repository names one. */
    public static final BranchName FALLBACK_BASE = BranchName.of("main");
    /** Where a workspace records its base commit, so that reopening it finds the same base. */
    static final String BASE_REF = "refs/magnet/base";

    private final Git git;
    private final Mirrors mirrors;

    public Workspaces(Git git, Mirrors mirrors) {
        this.git = Objects.requireNonNull(git, "git");
        this.mirrors = Objects.requireNonNull(mirrors, "mirrors");
    }

    /**
     * Creates the workspace described by {@code spec} in {@code spec.dir()} (absent or empty):
     * updates the repository's mirror, clones it, points {@code origin} at the real repository,
     * sets the commit identity and checks out the session branch from the base branch. When the
     * repository already has the session branch (a follow-up whose workspace is gone), the
     * workspace continues that branch instead. Without a repository: a fresh repository whose base
     * branch has one empty commit. On failure, whatever was created in {@code spec.dir()} is removed.
     *
     * @throws GitException BRANCH_NOT_FOUND when the base branch does not exist in the repository;
     *                      REPO_NOT_FOUND, ACCESS_DENIED, NETWORK, TIMEOUT, INTERRUPTED or FAILED
     *                      from updating the mirror or running git
     */
    public Workspace create(WorkspaceSpec spec) {
        if (!FileTrees.isAbsentOrEmpty(spec.dir())) {
            throw new IllegalArgumentException("workspace directory " + spec.dir() + " must be absent or empty");
        }
        boolean existed = Files.isDirectory(spec.dir());
        try {
            Files.createDirectories(spec.dir());
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the workspace directory " + spec.dir(), e);
        }
        try {
            return spec.repo() == null ? createEmpty(spec) : createFromRepo(spec);
        } catch (RuntimeException e) {
            // why: the caller may have made the directory (owned by the sandbox user); keep it then
            FileTrees.deleteRecursively(spec.dir(), existed);
            throw e;
        }
    }

    /**
     * Reopens a workspace made by {@link #create} (e.g. for a follow-up after the session
     * completed): it is already on its session branch and knows its base commit.
     *
     * @throws GitException FAILED when {@code spec.dir()} holds no workspace made by Magnet or
     *                      lacks the session branch
     */
    public Workspace open(WorkspaceSpec spec) {
        Objects.requireNonNull(spec.baseBranch(), "the base branch the workspace was created with is required");
        WorkspaceGuard.checkedGitDir(spec.dir());
        GitCommand git = Workspace.commandIn(this.git, spec.dir());
        String baseCommit = commitOf(git, BASE_REF).orElseThrow(() -> new GitException(GitException.Kind.FAILED,
                "the workspace " + spec.dir() + " has no record of its base commit; it was not made by Magnet"));
        if (commitOf(git, spec.branch().ref()).isEmpty()) {
            throw new GitException(GitException.Kind.FAILED,
                    "the workspace " + spec.dir() + " has no session branch " + spec.branch());
        }
        return new Workspace(this.git, spec.dir(), spec.repo(), spec.baseBranch(), spec.branch(), baseCommit,
                spec.identity());
    }

    private Workspace createFromRepo(WorkspaceSpec spec) {
        Mirror mirror = mirrors.update(spec.repo(), spec.auth());
        BranchName base = spec.baseBranch() != null ? spec.baseBranch() : mirror.defaultBranch().orElse(FALLBACK_BASE);
        mirrors.cloneInto(spec.repo(), spec.dir());
        WorkspaceGuard.writeConfig(WorkspaceGuard.checkedGitDir(spec.dir()), spec.repo(), spec.identity());
        GitCommand git = Workspace.commandIn(this.git, spec.dir());

        String baseCommit = commitOf(git, "refs/remotes/origin/" + base).orElseThrow(() -> new GitException(
                GitException.Kind.BRANCH_NOT_FOUND, "base branch '" + base + "' does not exist in " + spec.repo().display()
                + (mirror.defaultBranch().isEmpty() ? " (the repository has no commits)" : "")));
        String remoteBranch = "refs/remotes/origin/" + spec.branch();
        Optional<String> pushedBranch = commitOf(git, remoteBranch);
        if (pushedBranch.isPresent()) {
            git.run("checkout", "--quiet", "--no-track", "-b", spec.branch().value(), remoteBranch);
            baseCommit = git.run("merge-base", baseCommit, pushedBranch.get()).line();
        } else {
            git.run("checkout", "--quiet", "--no-track", "-b", spec.branch().value(), baseCommit);
        }
        git.run("update-ref", BASE_REF, baseCommit);
        return new Workspace(this.git, spec.dir(), spec.repo(), base, spec.branch(), baseCommit, spec.identity());
    }

    private Workspace createEmpty(WorkspaceSpec spec) {
        BranchName base = spec.baseBranch() != null ? spec.baseBranch() : FALLBACK_BASE;
        this.git.in(spec.dir()).run("init", "--quiet", "--initial-branch=" + base.value());
        WorkspaceGuard.writeConfig(WorkspaceGuard.checkedGitDir(spec.dir()), null, spec.identity());
        GitCommand git = Workspace.commandIn(this.git, spec.dir());
        // why: an empty commit gives the session a base to branch from and to diff against
        git.run("commit", "--quiet", "--allow-empty", "--no-verify", "--no-gpg-sign", "-m", "Initial commit");
        String baseCommit = git.run("rev-parse", "HEAD").line();
        git.run("checkout", "--quiet", "-b", spec.branch().value());
        git.run("update-ref", BASE_REF, baseCommit);
        return new Workspace(this.git, spec.dir(), null, base, spec.branch(), baseCommit, spec.identity());
    }

    private static Optional<String> commitOf(GitCommand git, String ref) {
        GitResult result = git.tryRun("rev-parse", "--verify", "--quiet", ref + "^{commit}");
        return result.succeeded() ? Optional.of(result.line()) : Optional.empty();
    }
}
