package dev.magnet.session;

import dev.magnet.git.OriginPolicy;

/** Turns what a user wrote as a repository into the name Magnet stores: a hosted repository's canonical name, else the checked URL or path. */
public final class RepoNames {
    private final OriginPolicy origins;
    private final HostedRepos hosted;

    public RepoNames(OriginPolicy origins, HostedRepos hosted) {
        this.origins = origins;
        this.hosted = hosted;
    }

    /**
     * The stored name of {@code input} for a workspace.
     *
     * @throws IllegalArgumentException when it is not a repository this server may use, saying why
     * @throws dev.magnet.web.InvalidRequestException when it names a hosted repository the workspace cannot reach
     */
    public String canonical(String workspaceId, String input) {
        String trimmed = input.trim();
        return hosted.canonicalName(workspaceId, trimmed).orElseGet(() -> origins.parse(trimmed).value());
    }
}
