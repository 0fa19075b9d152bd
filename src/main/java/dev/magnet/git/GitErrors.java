package dev.magnet.git;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Reads git's stderr (with {@code LC_ALL=C}, so in English) to tell kinds of failure apart. */
final class GitErrors {
    private static final int TAIL_LINES = 4;
    private static final Pattern REPO_MISSING = Pattern.compile(
            "repository '[^']*' (does not exist|not found)"
                    + "|does not appear to be a git repository"
                    + "|repository not found");
    private static final Pattern DENIED = Pattern.compile(
            "permission denied|permission to .* denied|not allowed to push|authentication failed"
                    + "|could not read (username|password)"
                    + "|terminal prompts disabled|access denied|returned error: (401|403)"
                    + "|insufficient permission|read-only|write access .* not granted");
    private static final Pattern UNREACHABLE = Pattern.compile(
            "could not resolve host|failed to connect|connection refused|connection timed out"
                    + "|network is unreachable|no route to host|\\b(ssl|tls)\\b|connection reset|early eof"
                    + "|returned error: (5\\d\\d)"
                    // why: curl's words for a connection the server dropped before or while answering (curl 52, 55, 56)
                    + "|empty reply from server|send failure|recv failure");

    private GitErrors() {
    }

    static GitException.Kind classify(String stderr) {
        String text = stderr.toLowerCase(Locale.ROOT);
        // why: a private GitHub repo without credentials answers "not found"; the access check
        // comes first only for explicit auth words, so a plain 404 stays REPO_NOT_FOUND
        if (DENIED.matcher(text).find()) {
            return GitException.Kind.ACCESS_DENIED;
        }
        if (REPO_MISSING.matcher(text).find()) {
            return GitException.Kind.REPO_NOT_FOUND;
        }
        if (UNREACHABLE.matcher(text).find()) {
            return GitException.Kind.NETWORK;
        }
        return GitException.Kind.FAILED;
    }

    /** The last few meaningful lines of git's stderr, joined with " / ". */
    static String tail(String stderr) {
        List<String> lines = new ArrayList<>();
        for (String line : stderr.split("\\R")) {
            String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("hint:")) {
                lines.add(trimmed);
            }
        }
        return String.join(" / ", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    /** A failure of a clone, fetch or push with {@code remote}, worded by its kind. */
    static GitException remoteFailure(String doing, RepoUrl remote, GitResult result) {
        GitException.Kind kind = classify(result.stderr());
        String message = switch (kind) {
            case REPO_NOT_FOUND -> "repository " + remote.display() + " does not exist or is not a git repository";
            case ACCESS_DENIED -> "no access to repository " + remote.display()
                    + ": it needs credentials this server does not have, or it does not accept this operation";
            case NETWORK -> "could not reach repository " + remote.display();
            default -> "could not " + doing + " " + remote.display() + " (git exit " + result.exitCode() + ")";
        };
        return new GitException(kind, message, tail(result.stderr()));
    }
}
