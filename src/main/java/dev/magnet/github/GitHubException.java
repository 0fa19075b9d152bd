package dev.magnet.github;

import java.util.Objects;

/**
 * A GitHub API call failed. {@link #kind()} classifies it; the message is a sentence for a person that
 * ends with what GitHub said.
 */
public final class GitHubException extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** The repository, branch, installation or pull request does not exist (or is hidden from Magnet). */
        NOT_FOUND,
        /** GitHub refused the credentials or the operation (401, 403). */
        FORBIDDEN,
        /** GitHub rejected the request's content (422), e.g. a pull request that already exists. */
        INVALID,
        /** A rate limit that did not reset within the time Magnet waits. */
        RATE_LIMITED,
        /** GitHub could not be reached or answered with a server error. */
        UNAVAILABLE,
        /** The integration is not configured or its settings are unusable. */
        NOT_CONFIGURED
    }

    private final Kind kind;
    private final int status;

    public GitHubException(Kind kind, int status, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.status = status;
    }

    public GitHubException(Kind kind, String message) {
        this(kind, 0, message);
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status GitHub answered with; 0 when there was no answer. */
    public int status() {
        return status;
    }
}
