package dev.magnet.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A session's working copy: a git repository checked out on the session branch, started from a
 * recorded base commit. Made or reopened by {@link Workspaces}. The methods here run git on the
 * server (host-side) and treat everything the agent may have written under {@code .git} as
 * untrusted: no hooks run, the config is rewritten before a commit or push, and a {@code .git}
 * holding symbolic links is refused.
 */
public final class Workspace {
    private final Git git;
    private final Path dir;
    private final RepoUrl repo;
    private final BranchName baseBranch;
    private final BranchName branch;
    private final String baseCommit;
    private final GitIdentity identity;

    Workspace(Git git, Path dir, RepoUrl repo, BranchName baseBranch, BranchName branch, String baseCommit,
              GitIdentity identity) {
        this.git = git;
        this.dir = dir;
        this.repo = repo;
        this.baseBranch = baseBranch;
        this.branch = branch;
        this.baseCommit = baseCommit;
        this.identity = identity;
    }

    public Path dir() {
        return dir;
    }

    /** The repository this workspace was cloned from; empty for a workspace started without one. */
    public Optional<RepoUrl> repo() {
        return Optional.ofNullable(repo);
    }

    public BranchName baseBranch() {
        return baseBranch;
    }

    /** The session branch. */
    public BranchName branch() {
        return branch;
    }

    /**
     * Makes every commit made inside the workspace (the agent's own {@code git commit}) carry a
     * {@code Co-authored-by:} trailer for {@code coAuthor}, with a {@code prepare-commit-msg} hook. Only git
     * run inside the sandbox runs it: the server's own git in a workspace never runs hooks.
     */
    public void addCoAuthorToCommits(GitIdentity coAuthor) {
        Path hook = dir.resolve(".git/hooks/prepare-commit-msg");
        String trailer = ("Co-authored-by: " + coAuthor).replace("'", "'\\''");
        String script = "#!/bin/sh\n# Written by Magnet: names the session's author as co-author of each commit.\n"
                + "git interpret-trailers --in-place --if-exists addIfDifferent --trailer '" + trailer + "' \"$1\"\n";
        try {
            Files.createDirectories(hook.getParent());
            Files.writeString(hook, script);
            hook.toFile().setExecutable(true, false);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + hook, e);
        }
    }

    /** The commit the session branch started from (for a continued branch: where it forked from the base). */
    public String baseCommit() {
        return baseCommit;
    }

    /** The commit at the tip of the session branch. */
    public String branchCommit() {
        return readOnly().run("rev-parse", "--verify", branch.ref() + "^{commit}").line();
    }

    /**
     * Commits everything the agent left uncommitted ({@code git add --all}) on the session branch,
     * if there is anything. The message gets a {@code Co-authored-by: Name <email>} trailer when
     * {@code coAuthor} is not null.
     *
     * @return whether a commit was made
     * @throws GitException FAILED when the workspace is not on the session branch or git fails
     */
    public boolean commitLeftovers(String message, GitIdentity coAuthor) {
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("a commit message is required");
        }
        GitCommand git = trusted();
        String head = git.tryRun("symbolic-ref", "--quiet", "HEAD").line();
        if (!head.equals(branch.ref())) {
            throw new GitException(GitException.Kind.FAILED, "the workspace is on "
                    + (head.isEmpty() ? "a detached HEAD" : head) + ", not on the session branch " + branch
                    + "; Magnet commits leftovers only to the session branch");
        }
        git.run("add", "--all");
        GitResult staged = git.tryRun("diff", "--cached", "--quiet");
        if (staged.exitCode() == 0) {
            return false;
        }
        if (staged.exitCode() != 1) {
            throw new GitException(GitException.Kind.FAILED, "could not compare the index of " + dir + " with HEAD",
                    GitErrors.tail(staged.stderr()));
        }
        String text = message.strip() + (coAuthor == null ? "" : "\n\nCo-authored-by: " + coAuthor);
        git.run("commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", text);
        return true;
    }

    /** True when the session branch has commits that are not in the base commit. */
    public boolean hasCommitsBeyondBase() {
        String count = readOnly().run("rev-list", "--count", baseCommit + ".." + branch.ref()).line();
        return Integer.parseInt(count) > 0;
    }

    /**
     * The unified diff from the base to the session branch (committed changes only), with renames
     * detected. Binary files appear as a "Binary files ... differ" line, not as patch data.
     */
    public String diff() {
        return readOnly().run("diff", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames",
                "--src-prefix=a/", "--dst-prefix=b/", baseCommit + "..." + branch.ref(), "--").stdout();
    }

    /** One entry per file changed from the base to the session branch, in git's order. */
    public List<ChangedFile> diffStats() {
        GitCommand git = readOnly();
        String range = baseCommit + "..." + branch.ref();
        String[] status = git.run("diff", "--name-status", "-z", "--find-renames", range, "--").stdout().split("\0");
        String[] numbers = git.run("diff", "--numstat", "-z", "--find-renames", range, "--").stdout().split("\0");

        Map<String, int[]> counts = new LinkedHashMap<>();
        for (int i = 0; i < numbers.length && !numbers[i].isEmpty(); i++) {
            String[] fields = numbers[i].split("\t", 3);
            String path = fields[2];
            if (path.isEmpty()) {
                path = numbers[i + 2];
                i += 2;
            }
            boolean binary = fields[0].equals("-");
            counts.put(path, binary ? null : new int[] {Integer.parseInt(fields[0]), Integer.parseInt(fields[1])});
        }

        List<ChangedFile> files = new ArrayList<>();
        for (int i = 0; i < status.length && !status[i].isEmpty(); i++) {
            char letter = status[i].charAt(0);
            String oldPath = null;
            if (letter == 'R' || letter == 'C') {
                oldPath = status[++i];
            }
            String path = status[++i];
            int[] lines = counts.get(path);
            files.add(new ChangedFile(path, letter == 'R' ? oldPath : null, change(letter),
                    lines == null ? 0 : lines[0], lines == null ? 0 : lines[1], lines == null));
        }
        return files;
    }

    /**
     * Pushes the session branch, and only it, to {@code target} as the same branch name: refspec
     * {@code refs/heads/<branch>:refs/heads/<branch>}, never forced.
     *
     * @throws GitException PUSH_REJECTED when the remote refused the branch (not a fast-forward, a
     *                      hook or branch protection) or the branch is the base branch;
     *                      ACCESS_DENIED when the remote does not accept pushes from this server;
     *                      REPO_NOT_FOUND, NETWORK, TIMEOUT or FAILED otherwise
     */
    public PushResult push(RepoUrl target, GitAuth auth) {
        if (branch.equals(baseBranch)) {
            throw new GitException(GitException.Kind.PUSH_REJECTED,
                    "refusing to push " + branch + ": it is the base branch, and Magnet pushes only session branches");
        }
        String refspec = branch.ref() + ":" + branch.ref();
        // why: no '+' in the refspec and no --force: a branch that moved on the remote is reported, never overwritten
        GitResult result = trusted().withAuth(auth)
                .tryRun("push", "--porcelain", "--no-verify", "--", target.value(), refspec);
        for (String line : result.stdout().split("\n")) {
            String[] fields = line.split("\t");
            if (fields.length >= 3 && fields[1].equals(refspec)) {
                return pushed(target, fields[0], fields[2], result);
            }
        }
        throw GitErrors.remoteFailure("push to", target, result);
    }

    private PushResult pushed(RepoUrl target, String flag, String summary, GitResult result) {
        PushResult.Outcome outcome = switch (flag) {
            case "*" -> PushResult.Outcome.CREATED;
            case " ", "+" -> PushResult.Outcome.UPDATED;
            case "=" -> PushResult.Outcome.UP_TO_DATE;
            default -> null;
        };
        if (outcome != null) {
            return new PushResult(branch, branchCommit(), outcome);
        }
        if (GitErrors.classify(summary + "\n" + result.stderr()) == GitException.Kind.ACCESS_DENIED) {
            throw new GitException(GitException.Kind.ACCESS_DENIED, target.display() + " does not accept pushes of "
                    + branch + " from this server: " + summary, GitErrors.tail(result.stderr()));
        }
        String advice = summary.contains("non-fast-forward") || summary.contains("fetch first")
                ? " (it has commits this session does not have; Magnet never force-pushes)"
                : "";
        throw new GitException(GitException.Kind.PUSH_REJECTED,
                target.display() + " rejected " + branch + ": " + summary + advice, GitErrors.tail(result.stderr()));
    }

    private static ChangedFile.Change change(char letter) {
        return switch (letter) {
            case 'A', 'C' -> ChangedFile.Change.ADDED;
            case 'D' -> ChangedFile.Change.DELETED;
            case 'R' -> ChangedFile.Change.RENAMED;
            default -> ChangedFile.Change.MODIFIED;
        };
    }

    /** git in this workspace for reading: no hooks, no external diff or textconv programs. */
    private GitCommand readOnly() {
        WorkspaceGuard.checkedGitDir(dir);
        return commandIn(git, dir);
    }

    /** git in this workspace for writing or talking to a remote: also with Magnet's own config restored. */
    private GitCommand trusted() {
        Path gitDir = WorkspaceGuard.checkedGitDir(dir);
        WorkspaceGuard.writeConfig(gitDir, repo, identity);
        return commandIn(git, dir);
    }

    static GitCommand commandIn(Git git, Path dir) {
        return git.in(dir)
                // why: explicit paths, so a .git file or core.worktree cannot send git elsewhere on the host
                // (with --git-dir, git also skips its check that the workspace owner is the server's user)
                .withOptions("--git-dir=" + dir.resolve(".git"), "--work-tree=" + dir)
                // why: .git/hooks belongs to the agent; the server must not run its programs
                .withConfig("core.hooksPath", "/dev/null")
                .withConfig("core.fsmonitor", "false");
    }
}
