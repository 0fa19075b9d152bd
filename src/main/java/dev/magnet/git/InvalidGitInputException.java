package dev.magnet.git;

/**
 * A repository URL, branch name or identity given by a user is not acceptable. The message says
 * what is wrong with it, in words a user can act on.
 */
public final class InvalidGitInputException extends IllegalArgumentException {
    public InvalidGitInputException(String message) {
        super(message);
    }
}
