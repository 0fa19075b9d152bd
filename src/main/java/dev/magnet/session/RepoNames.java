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

    /**
     * The repository as Magnet's documented {@code metadata.repository} shows it: {@code owner/name} for a hosted name or
     * a URL ({@code https://github.com/acme/web-app.git} → {@code acme/web-app}), a local repository's folder name, null
     * for none.
     */
    public static String shortName(String stored) {
        if (stored == null || stored.isBlank()) {
            return null;
        }
        String s = stored.strip();
        boolean url = s.contains("://") || s.matches("[^/@:]+@[^/:]+:.*");
        String path = url ? s.substring(s.contains("://") ? s.indexOf('/', s.indexOf("://") + 3) + 1 : s.indexOf(':') + 1) : s;
        path = path.replaceAll("/+$", "").replaceAll("\\.git$", "");
        if (path.isEmpty() || s.contains("://") && s.indexOf('/', s.indexOf("://") + 3) < 0) {
            return s;
        }
        String[] parts = path.split("/");
        if (url || !path.startsWith("/") && parts.length == 2) {
            return parts.length >= 2 ? parts[parts.length - 2] + "/" + parts[parts.length - 1] : parts[parts.length - 1];
        }
        return parts[parts.length - 1];
    }
}
