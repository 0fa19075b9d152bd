package dev.magnet.git;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a session repository is made from.
 *
 * @param dir        where it goes (absent or empty); never inside a folder a sandbox sees
 * @param tenant     the workspace (tenant) the session belongs to: mirrors are per tenant
 * @param repo       the repository, or null for a session without one (a fresh repository)
 * @param baseBranch the branch to start from; null means the repository's default branch, else {@code main}
 * @param branch     the session branch
 * @param identity   who makes Magnet's own commits (the empty first commit of a session without a repository)
 * @param auth       credentials for updating the repository's mirror
 */
public record SessionRepoSpec(Path dir, String tenant, RepoUrl repo, BranchName baseBranch, BranchName branch,
                              GitIdentity identity, GitAuth auth) {

    public SessionRepoSpec {
        Objects.requireNonNull(dir, "session repository dir is required");
        Objects.requireNonNull(tenant, "tenant (the session's workspace id) is required");
        Objects.requireNonNull(branch, "session branch is required; see BranchName.forSession");
        dir = dir.toAbsolutePath().normalize();
        identity = identity == null ? GitIdentity.MAGNET : identity;
        auth = auth == null ? GitAuth.NONE : auth;
    }

    public SessionRepoSpec withAuth(GitAuth newAuth) {
        return new SessionRepoSpec(dir, tenant, repo, baseBranch, branch, identity, newAuth);
    }
}
