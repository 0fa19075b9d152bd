package dev.magnet.git;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A session's own bare repository on the host, which Magnet alone owns and no sandbox ever sees: the base commit and
 * the session branch as the agent last handed it over. The agent's work comes in as a pack ({@link #importPack}),
 * checked before it is taken; diff, stats and push run here and nowhere else (SECURITY.md, rule 1). Made and opened
 * by {@link SessionRepos}.
 */
public final class SessionRepo {
    /** Where the repository records the commit the session started from. */
    static final String BASE_REF = "refs/magnet/base";

    private final Git git;
    private final Path dir;
    private final BranchName baseBranch;
    private final BranchName branch;
    private final String baseCommit;
    private final OriginPolicy origins;
    /** Paths looked up at the base commit: the blob there, or empty when it is not a file there. */
    private final Map<String, Optional<String>> blobsAtBase = new ConcurrentHashMap<>();

    SessionRepo(Git git, Path dir, BranchName baseBranch, BranchName branch, String baseCommit, OriginPolicy origins) {
        this.git = git;
        this.dir = dir;
        this.baseBranch = baseBranch;
        this.branch = branch;
        this.baseCommit = baseCommit;
        this.origins = origins;
    }

    public Path dir() {
        return dir;
    }

    public BranchName baseBranch() {
        return baseBranch;
    }

    /** The session branch. */
    public BranchName branch() {
        return branch;
    }

    /** The commit the session branch started from (for a continued branch: where it forked from the base). */
    public String baseCommit() {
        return baseCommit;
    }

    /** The commit at the tip of the session branch, as last handed over; empty before the first hand-over of a repository made afresh. */
    public Optional<String> branchCommit() {
        return commitOf(branch.ref());
    }

    /** The commits this repository has of the session (base and branch tip): a pack from the workspace may leave them out. */
    public List<String> knownCommits() {
        return heads(List.of()).known(baseCommit);
    }

    /**
     * What the repository holds of the session now: whether it has the base commit, the session branch's tip. In the
     * same git process it looks up {@code pathsAtBase} at the base commit and remembers them for {@link #blobAtBase}.
     */
    public Heads heads(Collection<String> pathsAtBase) {
        String base = baseCommit + "^{commit}";
        String tip = branch.ref() + "^{commit}";
        List<String> revisions = new ArrayList<>(List.of(base, tip));
        List<String> paths = pathsAtBase.stream().filter(p -> !blobsAtBase.containsKey(p)).toList();
        paths.forEach(p -> revisions.add(baseCommit + ":" + p));
        Map<String, ObjectLookup.Found> found = ObjectLookup.of(command(), revisions);
        boolean hasBase = ObjectLookup.idOf(found, base, "commit").isPresent();
        if (hasBase) { // why: a base commit not (yet) in the repository says nothing lasting about its files
            paths.forEach(p -> blobsAtBase.put(p, ObjectLookup.idOf(found, baseCommit + ":" + p, "blob")));
        }
        return new Heads(hasBase, ObjectLookup.idOf(found, tip, "commit"));
    }

    /**
     * The session's commits in the repository at one moment.
     *
     * @param hasBase   whether the base commit is there (a repository made before session repositories may lack it)
     * @param branchTip the session branch's tip, when it has one
     */
    public record Heads(boolean hasBase, Optional<String> branchTip) {
        /** The base commit and the branch tip that are there, each once. */
        List<String> known(String baseCommit) {
            List<String> known = new ArrayList<>();
            if (hasBase) {
                known.add(baseCommit);
            }
            branchTip.filter(c -> !known.contains(c)).ifPresent(known::add);
            return known;
        }
    }

    /**
     * Streams the objects a new workspace needs (the base commit and the session branch, with their history, as
     * {@code heads} found them) as a pack to {@code out}.
     *
     * @throws GitException when git fails
     */
    public void writeWorkspacePack(OutputStream out, Heads heads) throws IOException {
        List<String> tips = heads.known(baseCommit);
        try (GitProcess pack = command().stream(List.of("pack-objects", "--stdout", "--revs", "-q"))) {
            try (OutputStream in = pack.stdin()) {
                in.write((String.join("\n", tips) + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            try (InputStream packed = pack.stdout()) {
                packed.transferTo(out);
            }
            GitResult result = pack.finish();
            if (!result.succeeded()) {
                throw new GitException(GitException.Kind.FAILED, "could not pack the session's repository for its workspace",
                        GitErrors.tail(result.stderr()));
            }
        }
    }

    /**
     * Takes a pack handed over by the workspace and moves the session branch to {@code tip}: the pack is read at most
     * {@code maxBytes} far, every object in it is checked ({@code index-pack --strict}: well-formed, nothing it
     * refers to missing), and {@code tip} must be a commit whose whole history is then present. On any failure the
     * branch stays where it was.
     *
     * @param pack the pack data, or null when the workspace said its tip is a commit this repository already has
     * @throws GitException FAILED with the reason when the pack or the tip is refused
     */
    public void importPack(InputStream pack, String tip, long maxBytes) throws IOException {
        if (!tip.matches("[0-9a-f]{40}|[0-9a-f]{64}")) {
            throw new GitException(GitException.Kind.FAILED, "the workspace handed over '" + abbreviate(tip)
                    + "' as its branch tip, which is not a commit id");
        }
        if (pack != null) {
            try (GitProcess index = command().stream(List.of("index-pack", "--stdin", "--strict",
                    "--max-input-size=" + maxBytes))) {
                long copied;
                try (OutputStream in = index.stdin()) {
                    copied = copyAtMost(pack, in, maxBytes);
                } catch (IOException e) {
                    copied = -1;
                }
                GitResult result = index.finish();
                if (copied > maxBytes) {
                    throw new GitException(GitException.Kind.FAILED, "the workspace handed over more than "
                            + maxBytes / (1024 * 1024) + " MiB of git objects, more than a session may");
                }
                if (!result.succeeded()) {
                    throw new GitException(GitException.Kind.FAILED, "the git objects the workspace handed over were "
                            + "refused (broken, incomplete or too large)", GitErrors.tail(result.stderr()));
                }
            }
        }
        GitResult type = command().tryRun("cat-file", "-t", tip);
        if (!type.succeeded() || !type.line().equals("commit")) {
            throw new GitException(GitException.Kind.FAILED, "the workspace's branch tip " + abbreviate(tip)
                    + " is not a commit it handed over");
        }
        GitResult connected = command().tryRun("rev-list", "--objects", "--quiet", tip, "--not", "--all");
        if (!connected.succeeded()) {
            throw new GitException(GitException.Kind.FAILED, "the workspace's branch " + branch + " refers to objects it "
                    + "did not hand over", GitErrors.tail(connected.stderr()));
        }
        command().run("update-ref", branch.ref(), tip);
    }

    /**
     * The name of the first secret whose value appears in the session branch's history beyond the base: in a commit's
     * message or in a line it adds or removes (a value of several lines is looked for line by line, each line of at
     * least 8 characters). Read as a stream, so a long history costs no memory.
     */
    public Optional<String> historyMentions(Map<String, String> secrets) {
        Optional<String> tip = branchCommit();
        if (secrets.isEmpty() || tip.isEmpty()) {
            return Optional.empty();
        }
        Map<String, List<String>> needles = new LinkedHashMap<>();
        secrets.forEach((name, value) -> needles.put(name, value.lines().filter(l -> l.length() >= 8).toList()));
        try (GitProcess log = command().stream(List.of("log", "-p", "--no-color", "--no-ext-diff", "--no-textconv",
                "--format=%B", baseCommit + ".." + tip.get(), "--"));
             java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(log.stdout(),
                     java.nio.charset.StandardCharsets.UTF_8))) {
            log.stdin().close();
            String line;
            while ((line = in.readLine()) != null) {
                for (Map.Entry<String, List<String>> n : needles.entrySet()) {
                    for (String part : n.getValue()) {
                        if (line.contains(part)) {
                            return Optional.of(n.getKey());
                        }
                    }
                }
            }
            log.finish();
        } catch (IOException e) {
            throw new GitException(GitException.Kind.FAILED, "reading the session branch's history failed: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** True when the base commit has a regular file at {@code path} (the repository's {@code .magnet/setup.sh}). */
    public boolean hasFileAtBase(String path) {
        return blobAtBase(path).isPresent();
    }

    /**
     * The blob id of {@code path} at the base commit, when it is a file there. Remembered once the base commit is
     * known to be here: it never changes, and neither does what it holds.
     */
    public Optional<String> blobAtBase(String path) {
        Optional<String> known = blobsAtBase.get(path);
        if (known != null) {
            return known;
        }
        String revision = baseCommit + ":" + path;
        Optional<String> id = ObjectLookup.idOf(ObjectLookup.of(command(), List.of(revision)), revision, "blob");
        id.ifPresent(blob -> blobsAtBase.put(path, id)); // why: "not there" may only mean the base is not here yet
        return id;
    }

    /** True when the session branch has commits that are not in the base commit. */
    public boolean hasCommitsBeyondBase() {
        Optional<String> tip = branchCommit();
        return tip.isPresent() && Integer.parseInt(command().run("rev-list", "--count", baseCommit + ".." + tip.get()).line()) > 0;
    }

    /**
     * The unified diff from the base to the session branch, with renames detected. Binary files appear as a "Binary
     * files ... differ" line, not as patch data.
     */
    public String diff() {
        return command().run("diff", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames",
                "--src-prefix=a/", "--dst-prefix=b/", baseCommit + "..." + branch.ref(), "--").stdout();
    }

    /** One entry per file changed from the base to the session branch, in git's order. */
    public List<ChangedFile> diffStats() {
        String range = baseCommit + "..." + branch.ref();
        String[] status = command().run("diff", "--no-ext-diff", "--no-textconv", "--name-status", "-z", "--find-renames",
                range, "--").stdout().split("\0");
        String[] numbers = command().run("diff", "--no-ext-diff", "--no-textconv", "--numstat", "-z", "--find-renames",
                range, "--").stdout().split("\0");

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
     * {@code refs/heads/<branch>:refs/heads/<branch>}, never forced, reaching it only as {@link OriginPolicy} allows.
     *
     * @throws GitException PUSH_REJECTED when the remote refused the branch (not a fast-forward, a hook or branch
     *                      protection) or the branch is the base branch; ACCESS_DENIED when the remote does not
     *                      accept pushes from this server; REPO_NOT_FOUND, NETWORK, TIMEOUT or FAILED otherwise
     */
    public PushResult push(RepoUrl target, GitAuth auth) {
        RemoteAccess access = origins.access(target);
        if (branch.equals(baseBranch)) {
            throw new GitException(GitException.Kind.PUSH_REJECTED,
                    "refusing to push " + branch + ": it is the base branch, and Magnet pushes only session branches");
        }
        String refspec = branch.ref() + ":" + branch.ref();
        List<String> args = new ArrayList<>(List.of("push", "--porcelain", "--no-verify"));
        args.addAll(access.pushArgs());
        // why: no '+' in the refspec and no --force: a branch that moved on the remote is reported, never overwritten
        args.addAll(List.of("--", target.value(), refspec));
        GitResult result = command().withAuth(access.with(auth)).withProtocols(access.protocol()).tryRun(args);
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
            return new PushResult(branch, branchCommit().orElseThrow(), outcome);
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

    private Optional<String> commitOf(String rev) {
        GitResult result = command().tryRun("rev-parse", "--verify", "--quiet", rev + "^{commit}");
        return result.succeeded() ? Optional.of(result.line()) : Optional.empty();
    }

    private GitCommand command() {
        return git.in(dir);
    }

    private static long copyAtMost(InputStream in, OutputStream out, long max) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
            if (total > max) {
                return total;
            }
            out.write(buffer, 0, n);
        }
        return total;
    }

    private static String abbreviate(String text) {
        String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "…" : printable;
    }

    private static ChangedFile.Change change(char letter) {
        return switch (letter) {
            case 'A', 'C' -> ChangedFile.Change.ADDED;
            case 'D' -> ChangedFile.Change.DELETED;
            case 'R' -> ChangedFile.Change.RENAMED;
            default -> ChangedFile.Change.MODIFIED;
        };
    }
}
