package dev.magnet.preview;

import dev.magnet.git.BranchName;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The sessions whose run script this server runs with a preview port, by short id (the preview origin's first label):
 * what the preview proxy may connect to. A session is offered when its run script starts and withdrawn when it stops.
 */
public final class PreviewTargets {
    private final Map<String, Target> byShortId = new ConcurrentHashMap<>();

    /**
     * A session's preview.
     *
     * @param socket the host's unix socket into the sandbox's preview port ({@code true}: take it again, the last one
     *               failed), empty while the port does not listen
     */
    public record Target(String sessionId, String workspaceId, Function<Boolean, Optional<Path>> socket) {
    }

    public void offer(Target target) {
        byShortId.put(BranchName.shortId(target.sessionId()), target);
    }

    public void withdraw(String sessionId) {
        byShortId.computeIfPresent(BranchName.shortId(sessionId), (k, t) -> t.sessionId().equals(sessionId) ? null : t);
    }

    public Optional<Target> find(String shortId) {
        return Optional.ofNullable(byShortId.get(shortId));
    }
}
