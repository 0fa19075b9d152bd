package dev.magnet.git;

import dev.magnet.files.FileTrees;
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
 * One bare mirror per repository and workspace (tenant) under {@code <dataDir>/mirrors/<workspace>/<key>.git},
 * where credentials are used (host-side only) and from which session repositories are made without touching the
 * network. A mirror is never visible to a sandbox, and two workspaces never share one (SECURITY.md, rule 2).
 * Operations on one mirror are serialised, within this process and across processes sharing the data
 * directory, so concurrent sessions on one repository cannot corrupt it.
 */
public final class Mirrors {
    private final Git git;
    private final Path root;
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public Mirrors(Git git, Path dataDir) {
        this.git = Objects.requireNonNull(git, "git");
        this.root = Objects.requireNonNull(dataDir, "dataDir (MAGNET_DATA_DIR) is required").resolve("mirrors");
    }

    /** Where the mirror of {@code repo} for {@code tenant} lives (it may not exist yet). */
    public Path dirOf(String tenant, RepoUrl repo) {
        return tenantRoot(tenant).resolve(repo.mirrorKey() + ".git");
    }

    private Path tenantRoot(String tenant) {
        Objects.requireNonNull(tenant, "tenant (the workspace the session belongs to)");
        // why: a tenant id becomes a folder name; anything but plain characters is hashed instead
        return root.resolve(tenant.matches("[A-Za-z0-9_-]{1,64}") ? tenant : new RepoUrl("/" + tenant).mirrorKey());
    }

    /**
     * Brings the mirror of {@code repo} for {@code tenant} up to date: clones it the first time, fetches (pruning
     * deleted branches and tags) after that, reaching the repository only as {@code access} allows.
     *
     * @throws GitException REPO_NOT_FOUND, ACCESS_DENIED, NETWORK, TIMEOUT, INTERRUPTED or FAILED,
     *                      with a message naming the repository
     */
    public Mirror update(String tenant, RepoUrl repo, GitAuth auth, RemoteAccess access) {
        return locked(tenant, repo, () -> {
            Path dir = dirOf(tenant, repo);
            if (Files.isDirectory(dir)) {
                fetch(repo, dir, auth, access);
            } else {
                create(tenant, repo, dir, auth, access);
            }
            return new Mirror(repo, dir, defaultBranch(repo, dir, auth, access));
        });
    }

    /**
     * Runs {@code action} on the (already updated) mirror of {@code repo} for {@code tenant} while no fetch can
     * change it, e.g. to make a session repository from it.
     */
    <T> T withMirror(String tenant, RepoUrl repo, java.util.function.Function<Path, T> action) {
        // why: under the lock, so a concurrent fetch cannot prune or repack objects while they are copied
        return locked(tenant, repo, () -> {
            Path dir = dirOf(tenant, repo);
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException("there is no mirror of " + repo.display() + " yet; update it first");
            }
            return action.apply(dir);
        });
    }

    private void create(String tenant, RepoUrl repo, Path dir, GitAuth auth, RemoteAccess access) {
        Path partial = tenantRoot(tenant).resolve(repo.mirrorKey() + ".git.partial");
        FileTrees.deleteRecursively(partial);
        // why: --bare rather than --mirror: a mirror copies every ref (on GitHub, refs/pull/* of
        // every pull request ever opened); sessions only need branches and tags. --no-local: a local
        // origin's objects are sent as a pack, never hard-linked or copied as files
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("clone", "--bare", "--quiet", "--no-local"));
        args.addAll(access.fetchArgs());
        args.addAll(java.util.List.of("--", repo.value(), partial.toString()));
        GitResult result = git.in(dir.getParent()).withAuth(access.with(auth)).withProtocols(access.protocol()).tryRun(args);
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

    private void fetch(RepoUrl repo, Path dir, GitAuth auth, RemoteAccess access) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("fetch", "--prune", "--quiet"));
        args.addAll(access.fetchArgs());
        args.addAll(java.util.List.of("--", repo.value(), "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"));
        GitResult result = git.in(dir).withAuth(access.with(auth)).withProtocols(access.protocol())
                // why: a detached auto-gc would go on repacking after the lock is released
                .withConfig("gc.autoDetach", "false")
                .tryRun(args);
        if (!result.succeeded()) {
            throw GitErrors.remoteFailure("fetch", repo, result);
        }
    }

    private Optional<BranchName> defaultBranch(RepoUrl repo, Path dir, GitAuth auth, RemoteAccess access) {
        Optional<BranchName> head = existingHeadBranch(dir);
        if (head.isPresent()) {
            return head;
        }
        // why: only a clone sets HEAD; when the remote's default branch was renamed and the old one
        // pruned, ask the remote which branch its HEAD is now
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("ls-remote", "--symref"));
        args.addAll(access.fetchArgs());
        args.addAll(java.util.List.of("--", repo.value(), "HEAD"));
        GitResult remote = git.in(dir).withAuth(access.with(auth)).withProtocols(access.protocol()).tryRun(args);
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

    private <T> T locked(String tenant, RepoUrl repo, Supplier<T> action) {
        Path folder = tenantRoot(tenant);
        ReentrantLock lock = locks.computeIfAbsent(folder.getFileName() + "/" + repo.mirrorKey(), key -> new ReentrantLock());
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException(GitException.Kind.INTERRUPTED, "interrupted while waiting for the mirror of " + repo.display());
        }
        try {
            Files.createDirectories(folder);
            // why: the in-process lock orders threads; the file lock orders processes sharing the
            // data directory (a JVM may hold only one FileLock per file, hence both)
            try (FileChannel channel = FileChannel.open(folder.resolve(repo.mirrorKey() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not lock the mirror of " + repo.display() + " in " + folder, e);
        } finally {
            lock.unlock();
        }
    }
}
