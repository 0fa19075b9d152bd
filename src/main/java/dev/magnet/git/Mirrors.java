package dev.magnet.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One bare mirror per repository under {@code <dataDir>/mirrors/<key>.git}, where credentials are
 * used (host-side only) and from which session workspaces are cloned without touching the network.
 * Operations on one mirror are serialised, within this process and across processes sharing the
 * data directory, so concurrent sessions on one repository cannot corrupt it.
 */
public final class Mirrors {
    private final Git git;
    private final Path root;
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public Mirrors(Git git, Path dataDir) {
        this.git = Objects.requireNonNull(git, "git");
        this.root = Objects.requireNonNull(dataDir, "dataDir (MAGNET_DATA_DIR) is required").resolve("mirrors");
    }

    /** Where the mirror of {@code repo} lives (it may not exist yet). */
    public Path dirOf(RepoUrl repo) {
        return root.resolve(repo.mirrorKey() + ".git");
    }

    /**
     * Brings the mirror of {@code repo} up to date: clones it the first time, fetches (pruning
     * deleted branches and tags) after that.
     *
     * @throws GitException REPO_NOT_FOUND, ACCESS_DENIED, NETWORK, TIMEOUT, INTERRUPTED or FAILED,
     *                      with a message naming the repository
     */
    public Mirror update(RepoUrl repo, GitAuth auth) {
        return locked(repo, () -> {
            Path dir = dirOf(repo);
            if (Files.isDirectory(dir)) {
                fetch(repo, dir, auth);
            } else {
                create(repo, dir, auth);
            }
            return new Mirror(repo, dir, defaultBranch(repo, dir, auth));
        });
    }

    /**
     * Clones the (already updated) mirror of {@code repo} into {@code dest} with hardlinked objects
     * and no checkout; {@code origin} there still points at the mirror. Returns {@code dest}.
     */
    Path cloneInto(RepoUrl repo, Path dest) {
        // why: under the lock, so a concurrent fetch cannot prune or repack objects mid-clone. The
        // clone without checkout takes milliseconds; the checkout that costs seconds happens later,
        // outside the lock (sandbox-research §2.5)
        return locked(repo, () -> {
            Path dir = dirOf(repo);
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException("there is no mirror of " + repo.display() + " yet; update it first");
            }
            git.in(dest.toAbsolutePath().getParent())
                    .run("clone", "--local", "--no-checkout", "--quiet", "--", dir.toString(), dest.toString());
            return dest;
        });
    }

    private void create(RepoUrl repo, Path dir, GitAuth auth) {
        Path partial = root.resolve(repo.mirrorKey() + ".git.partial");
        FileTrees.deleteRecursively(partial);
        // why: --bare rather than --mirror: a mirror copies every ref (on GitHub, refs/pull/* of
        // every pull request ever opened); sessions only need branches and tags
        GitResult result = git.in(root).withAuth(auth)
                .tryRun("clone", "--bare", "--quiet", "--", repo.value(), partial.toString());
        if (!result.succeeded()) {
            FileTrees.deleteRecursively(partial);
            throw GitErrors.remoteFailure("clone", repo, result);
        }
        try {
            // why: cloned aside and renamed, so a crash mid-clone never leaves a half mirror behind
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not move the new mirror into " + dir, e);
        }
    }

    private void fetch(RepoUrl repo, Path dir, GitAuth auth) {
        GitResult result = git.in(dir).withAuth(auth)
                // why: a detached auto-gc would go on repacking after the lock is released
                .withConfig("gc.autoDetach", "false")
                .tryRun("fetch", "--prune", "--quiet", "--", repo.value(),
                        "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*");
        if (!result.succeeded()) {
            throw GitErrors.remoteFailure("fetch", repo, result);
        }
    }

    private Optional<BranchName> defaultBranch(RepoUrl repo, Path dir, GitAuth auth) {
        Optional<BranchName> head = existingHeadBranch(dir);
        if (head.isPresent()) {
            return head;
        }
        // why: only a clone sets HEAD; when the remote's default branch was renamed and the old one
        // pruned, ask the remote which branch its HEAD is now
        GitResult remote = git.in(dir).withAuth(auth).tryRun("ls-remote", "--symref", "--", repo.value(), "HEAD");
        for (String line : remote.stdout().split("\n")) {
            if (line.startsWith("ref: refs/heads/") && line.endsWith("\tHEAD")) {
                String target = line.substring("ref: ".length(), line.length() - "\tHEAD".length());
                git.in(dir).run("symbolic-ref", "HEAD", target);
                return existingHeadBranch(dir);
            }
        }
        return Optional.empty();
    }

    private Optional<BranchName> existingHeadBranch(Path dir) {
        String head = git.in(dir).tryRun("symbolic-ref", "--quiet", "HEAD").line();
        if (!head.startsWith("refs/heads/")
                || !git.in(dir).tryRun("rev-parse", "--verify", "--quiet", head + "^{commit}").succeeded()) {
            return Optional.empty();
        }
        try {
            return Optional.of(BranchName.of(head.substring("refs/heads/".length())));
        } catch (InvalidGitInputException e) {
            return Optional.empty();
        }
    }

    private <T> T locked(RepoUrl repo, Supplier<T> action) {
        ReentrantLock lock = locks.computeIfAbsent(repo.mirrorKey(), key -> new ReentrantLock());
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException(GitException.Kind.INTERRUPTED, "interrupted while waiting for the mirror of " + repo.display());
        }
        try {
            Files.createDirectories(root);
            // why: the in-process lock orders threads; the file lock orders processes sharing the
            // data directory (a JVM may hold only one FileLock per file, hence both)
            try (FileChannel channel = FileChannel.open(root.resolve(repo.mirrorKey() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not lock the mirror of " + repo.display() + " in " + root, e);
        } finally {
            lock.unlock();
        }
    }
}
