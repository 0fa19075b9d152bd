package dev.magnet.git;

/**
 * One file in a session's diff: its path (the new path for a rename), the old path for a rename
 * (otherwise null), how it changed and how many lines were added and deleted (0 for a binary file).
 */
public record ChangedFile(String path, String oldPath, Change change, int additions, int deletions, boolean binary) {

    /** How a file changed between the base and the session branch. */
    public enum Change {
        ADDED, MODIFIED, DELETED, RENAMED
    }
}
