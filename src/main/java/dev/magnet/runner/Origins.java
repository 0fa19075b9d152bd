package dev.magnet.runner;

import dev.magnet.git.RepoUrl;
import dev.magnet.github.GitHubAccess;
import dev.magnet.github.GitHubException;
import dev.magnet.github.GitHubIntegration;
import dev.magnet.github.GitHubRepo;
import dev.magnet.github.RepoInfo;
import dev.magnet.session.Session;
import java.util.Objects;
import java.util.Optional;

/** Finds a session's {@link Origin}: its git URL, or its GitHub repository looked up through the integration. */
final class Origins {
    private final GitHubIntegration github;

    Origins(GitHubIntegration github) {
        this.github = Objects.requireNonNull(github, "github");
    }

    /**
     * The session's origin; empty when it has no repository. A GitHub repository is looked up through the workspace's
     * integration (access, default branch, clone URL).
     *
     * @throws GitHubException when GitHub is not connected, or the repository is missing or forbidden
     */
    Optional<Origin> of(Session s) {
        if (s.repo() == null) {
            return Optional.empty();
        }
        if (!GitHubRepo.isFullName(s.repo())) {
            // why: checked when the session was created, and again (OriginPolicy.access) each time git reaches it
            return Optional.of(new Origin(RepoUrl.parse(s.repo(), true), null, null, null));
        }
        GitHubAccess access = github.access(s.workspaceId()).orElseThrow(() -> new GitHubException(
                GitHubException.Kind.NOT_CONFIGURED, s.repo() + " is a GitHub repository, but GitHub is not connected: "
                + "set MAGNET_GITHUB_TOKEN or MAGNET_GITHUB_APP_ID with MAGNET_GITHUB_APP_PRIVATE_KEY, then retry"));
        RepoInfo info = access.repository(GitHubRepo.ofFullName(s.repo()));
        return Optional.of(new Origin(RepoUrl.parse(info.cloneUrl(), false), access, info.repo(), info.defaultBranch()));
    }
}
