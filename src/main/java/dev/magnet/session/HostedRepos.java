package dev.magnet.session;

import java.util.Optional;

/**
 * Repositories that live on a connected hosting service (GitHub) rather than at a git URL: they are named
 * {@code owner/name} and reached with the workspace's integration.
 */
public interface HostedRepos {

    /** No hosting integration: every repository is a git URL or path. */
    HostedRepos NONE = (workspaceId, input) -> Optional.empty();

    /**
     * The canonical name to store when {@code input} names a hosted repository, e.g. {@code acme/web-app} for
     * {@code https://github.com/acme/web-app.git}; empty when it is an ordinary git URL or path.
     *
     * @throws dev.magnet.web.InvalidRequestException when it names a hosted repository but the workspace
     *                                                has no integration to reach it
     */
    Optional<String> canonicalName(String workspaceId, String input);
}
