package dev.magnet.git;

import dev.magnet.files.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Makes and opens session repositories ({@link SessionRepo}): from the repository's per-workspace mirror, updated
 * first, or as a fresh repository whose base branch has one empty commit when the session has no repository.
 */
public final class SessionRepos {
    /** The base branch when neither the session nor the repository names one. */
    public static final BranchName FALLBACK_BASE = BranchName.of("main");

    private final Git git;
    private final Mirrors mirrors;
    private final OriginPolicy origins;

    public SessionRepos(Git git, Mirrors mirrors, OriginPolicy origins) {
        this.git = Objects.requireNonNull(git, "git");
        this.mirrors = Objects.requireNonNull(mirrors, "mirrors");
        this.origins = Objects.requireNonNull(origins, "origins");
    }

    /** Which repositories may be named, and how they are reached. */
    public OriginPolicy origins() {
        return origins;
    }

    /**
     * Creates the session repository {@code spec} describes in {@code spec.dir()} (absent or empty). With a repository:
     * updates its mirror, takes the base branch from it and, when the repository already has the session branch (a
     * follow-up whose workspace is gone, or a retry), continues that branch from where it forked. On failure nothing
     * is left in {@code spec.dir()}.
     *
     * @throws GitException BRANCH_NOT_FOUND when the base branch does not exist in the repository; REPO_NOT_FOUND,
     *                      ACCESS_DENIED, NETWORK, TIMEOUT, INTERRUPTED or FAILED from updating the mirror or git
     */
    public SessionRepo create(SessionRepoSpec spec) {
        if (!FileTrees.isAbsentOrEmpty(spec.dir())) {
            throw new IllegalArgumentException("session repository directory " + spec.dir() + " must be absent or empty");
        }
        try {
            Files.createDirectories(spec.dir().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + spec.dir().getParent(), e);
        }
        try {
            return spec.repo() == null ? createEmpty(spec) : createFromMirror(spec);
        } catch (RuntimeException e) {
            FileTrees.deleteRecursively(spec.dir());
            throw e;
        }
    }

    /**
     * Opens the session repository in {@code dir} with the base commit Magnet recorded. A session from before session
     * repositories existed has none yet: an empty one is made, and the workspace's next hand-over fills it.
     */
    public SessionRepo open(Path dir, BranchName baseBranch, BranchName branch, String baseCommit) {
        Objects.requireNonNull(baseCommit, "the base commit recorded for the session is required");
        if (!Files.isDirectory(dir)) {
            git.in(dir.getParent()).run("init", "--quiet", "--bare", "--", dir.toString());
        }
        return new SessionRepo(git, dir, baseBranch, branch, baseCommit, origins);
    }

    private SessionRepo createFromMirror(SessionRepoSpec spec) {
        RepoUrl repo = spec.repo();
        Mirror mirror = mirrors.update(spec.tenant(), repo, spec.auth(), origins.access(repo));
        BranchName base = spec.baseBranch() != null ? spec.baseBranch() : mirror.defaultBranch().orElse(FALLBACK_BASE);
        String[] tips = mirrors.withMirror(spec.tenant(), repo, mirrorDir -> {
            String baseRev = base.ref() + "^{commit}";
            String pushedRev = spec.branch().ref() + "^{commit}";
            Map<String, ObjectLookup.Found> found = ObjectLookup.of(git.in(mirrorDir), List.of(baseRev, pushedRev));
            String baseTip = ObjectLookup.idOf(found, baseRev, "commit").orElseThrow(() -> new GitException(
                    GitException.Kind.BRANCH_NOT_FOUND, "base branch '" + base + "' does not exist in " + repo.display()
                    + (mirror.defaultBranch().isEmpty() ? " (the repository has no commits)" : "")));
            String pushed = ObjectLookup.idOf(found, pushedRev, "commit").orElse(null);
            // why: both repositories are Magnet's own and never seen by a sandbox, so sharing their immutable object
            // files through hard links costs nothing and exposes nothing
            git.in(spec.dir().getParent()).withProtocols("file").run("clone", "--bare", "--local", "--quiet", "--no-tags",
                    "--single-branch", "--branch", base.value(), "--", mirrorDir.toString(), spec.dir().toString());
            return new String[] {baseTip, pushed};
        });
        GitCommand session = git.in(spec.dir());
        session.run("remote", "remove", "origin");
        String baseCommit = tips[0];
        if (tips[1] != null) {
            baseCommit = session.run("merge-base", tips[0], tips[1]).line();
        }
        setRefs(session, Map.of(spec.branch().ref(), tips[1] != null ? tips[1] : tips[0], SessionRepo.BASE_REF, baseCommit));
        return new SessionRepo(git, spec.dir(), base, spec.branch(), baseCommit, origins);
    }

    private SessionRepo createEmpty(SessionRepoSpec spec) {
        BranchName base = spec.baseBranch() != null ? spec.baseBranch() : FALLBACK_BASE;
        git.in(spec.dir().getParent()).run("init", "--quiet", "--bare", "--initial-branch=" + base.value(), "--",
                spec.dir().toString());
        GitCommand session = git.in(spec.dir());
        String emptyTree = session.tryRunWithInput(new byte[0], java.util.List.of("hash-object", "-t", "tree", "-w", "--stdin"))
                .line();
        // why: an empty commit gives the session a base to branch from and to diff against
        String commit = session.withConfig("user.name", spec.identity().name()).withConfig("user.email", spec.identity().email())
                .run("commit-tree", emptyTree, "-m", "Initial commit").line();
        Map<String, String> refs = new LinkedHashMap<>(); // why: not Map.of, a base branch named like the session's is one ref
        for (String ref : List.of(base.ref(), spec.branch().ref(), SessionRepo.BASE_REF)) {
            refs.put(ref, commit);
        }
        setRefs(session, refs);
        return new SessionRepo(git, spec.dir(), base, spec.branch(), commit, origins);
    }

    /**
     * Sets each ref to its commit in one git process, all or none (a transaction): each process costs milliseconds of
     * the session's start.
     */
    private static void setRefs(GitCommand repo, Map<String, String> refs) {
        StringBuilder input = new StringBuilder();
        refs.forEach((ref, commit) -> input.append("update ").append(ref).append(' ').append(commit).append('\n'));
        GitResult result = repo.tryRunWithInput(input.toString().getBytes(StandardCharsets.US_ASCII), List.of("update-ref", "--stdin"));
        if (!result.succeeded()) {
            throw new GitException(GitException.Kind.FAILED, "could not set the session repository's refs",
                    GitErrors.tail(result.stderr()));
        }
    }
}
