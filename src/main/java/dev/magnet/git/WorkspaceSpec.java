package dev.magnet.git;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a session workspace is made from.
 *
 * @param dir        where the workspace goes; absent or empty when creating
 * @param repo       the repository to clone, or null for an empty workspace (a fresh repository)
 * @param baseBranch the branch to start from; null means the repository's default branch, else {@code main}
 * @param branch     the session branch the agent works on
 * @param identity   who commits in the workspace (the agent and Magnet's own leftover commit)
 * @param auth       credentials for updating the repository's mirror
 */
public record WorkspaceSpec(Path dir, RepoUrl repo, BranchName baseBranch, BranchName branch, GitIdentity identity,
                            GitAuth auth) {

    public WorkspaceSpec {
        Objects.requireNonNull(dir, "workspace dir is required");
        Objects.requireNonNull(branch, "session branch is required; see BranchName.forSession");
        dir = dir.toAbsolutePath().normalize();
        identity = identity == null ? GitIdentity.MAGNET : identity;
        auth = auth == null ? GitAuth.NONE : auth;
    }

    /** A workspace committing as {@link GitIdentity#MAGNET}, without credentials. */
    public static WorkspaceSpec of(Path dir, RepoUrl repo, BranchName baseBranch, BranchName branch) {
        return new WorkspaceSpec(dir, repo, baseBranch, branch, GitIdentity.MAGNET, GitAuth.NONE);
    }

    public WorkspaceSpec withIdentity(GitIdentity newIdentity) {
        return new WorkspaceSpec(dir, repo, baseBranch, branch, newIdentity, auth);
    }

    public WorkspaceSpec withAuth(GitAuth newAuth) {
        return new WorkspaceSpec(dir, repo, baseBranch, branch, identity, newAuth);
    }
}
