package dev.magnet.git;

/**
 * A git operation failed. {@link #kind()} says what kind of failure it was, so callers can map it
 * to a session failure reason or decide to retry; {@link #getMessage()} is a sentence for a person
 * and ends with the last lines git printed, when there were any.
 */
public final class GitException extends RuntimeException {

    /** What went wrong, as far as Magnet can tell from git's exit and output. */
    public enum Kind {
        /** The repository does not exist, or is not a git repository. */
        REPO_NOT_FOUND,
        /** The server has no credentials the remote accepts, or the remote refuses writes. */
        ACCESS_DENIED,
        /** The requested base branch does not exist in the repository. */
        BRANCH_NOT_FOUND,
        /** The remote refused the pushed branch (not a fast-forward, a hook or branch protection). */
        PUSH_REJECTED,
        /** The remote could not be reached (name resolution, connection, TLS). */
        NETWORK,
        /** git did not finish in time and was killed. */
        TIMEOUT,
        /** The calling thread was interrupted (e.g. the session was cancelled); git was killed. */
        INTERRUPTED,
        /** Anything else. */
        FAILED;

        /** True for failures that may pass when the same operation is tried again later. */
        public boolean isRetryable() {
            return this == NETWORK || this == TIMEOUT;
        }
    }

    private final Kind kind;
    private final String gitOutput;

    public GitException(Kind kind, String message) {
        this(kind, message, "");
    }

    /**
     * @param gitOutput the last lines git printed on stderr (may be empty); appended to the message
     */
    public GitException(Kind kind, String message, String gitOutput) {
        super(gitOutput == null || gitOutput.isBlank() ? message : message + ". git said: " + gitOutput);
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
        this.gitOutput = gitOutput == null ? "" : gitOutput;
    }

    public Kind kind() {
        return kind;
    }

    /** The last lines git printed on stderr, joined with " / "; empty when there were none. */
    public String gitOutput() {
        return gitOutput;
    }
}
