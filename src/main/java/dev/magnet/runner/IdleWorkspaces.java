package dev.magnet.runner;

import dev.magnet.session.SessionStore;
import dev.magnet.session.Status;
import java.nio.file.Path;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tears down what a completed session no longer needs once it has been idle for the configured time: its
 * workspace and temp files. The agent's home (the transcript for {@code --resume}) and the session repository,
 * which holds everything the agent handed over at finishing, stay, so that a later follow-up can make the
 * workspace again from the session branch ({@link SessionWorkflow} does, then resumes the conversation).
 */
final class IdleWorkspaces {
    private static final Logger log = LoggerFactory.getLogger(IdleWorkspaces.class);

    private final SessionStore store;
    private final Path dataDir;
    private final Duration idle;

    IdleWorkspaces(SessionStore store, Path dataDir, Duration idle) {
        this.store = store;
        this.dataDir = dataDir;
        this.idle = idle;
    }

    /** Tears down every session idle for longer than the configured time; returns how many. */
    int tearDownIdle() {
        return tearDownIdle(id -> false);
    }

    /** As {@link #tearDownIdle()}, sparing the sessions {@code inUse} names (their preview runs). */
    int tearDownIdle(java.util.function.Predicate<String> inUse) {
        Instant cutoff = store.clock().instant().minus(idle);
        List<String> candidates = store.idleCompleted(cutoff, 100);
        int torn = 0;
        for (String id : candidates) {
            SessionPaths paths = SessionPaths.of(dataDir, id);
            if (inUse.test(id) || !Files.exists(paths.workspace()) || !Files.isDirectory(paths.repo())) {
                continue;
            }
            // why: under the row lock, so a follow-up that reopens the session meanwhile is not torn down under it
            boolean done = store.withLocked(id, (s, w) -> {
                if (s.status() != Status.COMPLETED) {
                    return false;
                }
                paths.tearDown();
                return true;
            }).orElse(false);
            if (done) {
                torn++;
                log.info("session {}: idle for more than {} s, workspace torn down (a follow-up makes it again from its branch)",
                        id, idle.toSeconds());
            }
        }
        return torn;
    }
}
