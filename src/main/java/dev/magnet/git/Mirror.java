package dev.magnet.git;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A bare mirror of a repository on the server: its branches and tags as of the last update, and
 * the remote's default branch (empty for a repository without commits).
 */
public record Mirror(RepoUrl repo, Path dir, Optional<BranchName> defaultBranch) {
}
