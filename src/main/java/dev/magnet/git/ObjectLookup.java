package dev.magnet.git;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Resolves several revisions in one git process ({@code cat-file --batch-check}) instead of one {@code rev-parse} each:
 * a process costs several milliseconds on a small machine, and a session's start asks for a handful.
 */
final class ObjectLookup {
    /** What a revision names: its object id and type ({@code commit}, {@code tree}, {@code blob} or {@code tag}). */
    record Found(String id, String type) {
    }

    private static final Set<String> TYPES = Set.of("commit", "tree", "blob", "tag");
    private static final Pattern OBJECT_ID = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

    private ObjectLookup() {
    }

    /**
     * Each of {@code revisions} (any revision expression without a line break: {@code ref^{commit}},
     * {@code commit:path}) as found in the repository {@code git} runs in; a revision that names nothing (or is
     * ambiguous) is left out.
     *
     * @throws GitException when git cannot run or fails as a whole
     */
    static Map<String, Found> of(GitCommand git, List<String> revisions) {
        Map<String, Found> found = new HashMap<>();
        if (revisions.isEmpty()) {
            return found;
        }
        StringBuilder input = new StringBuilder();
        for (String revision : revisions) {
            if (revision.isEmpty() || revision.indexOf('\n') >= 0 || revision.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("a revision to look up must be one non-empty line: " + revision);
            }
            input.append(revision).append('\n');
        }
        GitResult result = git.tryRunWithInput(input.toString().getBytes(StandardCharsets.UTF_8),
                List.of("cat-file", "--batch-check=%(objectname) %(objecttype)"));
        if (!result.succeeded()) {
            throw new GitException(GitException.Kind.FAILED, "looking up " + String.join(", ", revisions) + " failed",
                    GitErrors.tail(result.stderr()));
        }
        List<String> lines = result.stdout().lines().toList();
        if (lines.size() != revisions.size()) {
            throw new GitException(GitException.Kind.FAILED, "git answered " + lines.size() + " lines for "
                    + revisions.size() + " revisions looked up");
        }
        for (int i = 0; i < lines.size(); i++) {
            // why: a revision that names nothing comes back as "<revision> missing" (or "ambiguous"); it has no id
            String[] f = lines.get(i).split(" ");
            if (f.length == 2 && OBJECT_ID.matcher(f[0]).matches() && TYPES.contains(f[1])) {
                found.put(revisions.get(i), new Found(f[0], f[1]));
            }
        }
        return found;
    }

    /** The id of {@code revision} from {@link #of}, when it names an object of {@code type}. */
    static Optional<String> idOf(Map<String, Found> found, String revision, String type) {
        Found f = found.get(revision);
        return f != null && f.type().equals(type) ? Optional.of(f.id()) : Optional.empty();
    }
}
