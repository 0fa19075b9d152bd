package dev.magnet.runner;

import dev.magnet.git.BranchName;
import dev.magnet.git.GitAuth;
import dev.magnet.git.GitException;
import dev.magnet.git.RepoUrl;
import dev.magnet.github.GitHubAccess;
import dev.magnet.github.GitHubRepo;
import java.util.function.Function;

/**
 * Where a session's repository is fetched from and pushed to: a git URL, or a GitHub repository reached through the
 * workspace's integration (then {@code gitHub} and {@code repo} are set). Made by {@link Origins}.
 *
 * @param defaultBranch the repository's default branch as GitHub says, or null for a plain git URL
 */
record Origin(RepoUrl url, GitHubAccess gitHub, GitHubRepo repo, String defaultBranch) {

    boolean isGitHub() {
        return gitHub != null;
    }

    /** Fresh credentials for one git operation; a token stays host-side, in git's environment only. */
    GitAuth auth() {
        return gitHub == null ? GitAuth.NONE : gitHub.gitAuth(repo, url.value());
    }

    /** The origin's URL as the agent may see it in its workspace (never a local path of the host). */
    String agentUrl() {
        return url.isLocal() ? null : url.display();
    }

    /**
     * The base branch to start from: the one asked for (checked on GitHub), else GitHub's default branch, else null
     * for the repository's own default.
     *
     * @throws dev.magnet.github.GitHubException when GitHub says the branch does not exist
     */
    BranchName baseBranch(String requested) {
        if (!isGitHub()) {
            return requested == null ? null : BranchName.of(requested);
        }
        if (requested != null) {
            gitHub.requireBranch(repo, requested);
            return BranchName.of(requested);
        }
        return defaultBranch == null ? null : BranchName.of(defaultBranch);
    }

    /**
     * Runs a git operation with this origin's credentials; when GitHub refuses a token (revoked, expired early), runs
     * it once more with a fresh one.
     */
    <T> T withCredentials(Function<GitAuth, T> operation) {
        GitAuth auth = auth();
        try {
            return operation.apply(auth);
        } catch (GitException e) {
            if (!isGitHub() || e.kind() != GitException.Kind.ACCESS_DENIED) {
                throw e;
            }
            gitHub.gitCredentialsRefused(repo, auth);
            return operation.apply(auth());
        }
    }
}
