package dev.magnet.git;

/** A session branch the remote accepted: which branch, at which commit, and what the push did. */
public record PushResult(BranchName branch, String commit, Outcome outcome) {

    /** What the remote did with the branch. */
    public enum Outcome {
        /** The branch did not exist on the remote and now does. */
        CREATED,
        /** The branch was fast-forwarded. */
        UPDATED,
        /** The remote already had exactly this commit. */
        UP_TO_DATE
    }
}
