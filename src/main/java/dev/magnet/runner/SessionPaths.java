package dev.magnet.runner;

import dev.magnet.sandbox.SandboxSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a session lives on the host: {@code <data>/sessions/<id>/} with the workspace (the repository), the
 * agent's home (transcripts for {@code --resume}), a private temp folder and the run folder (the sandbox's generated /etc files).
 * Kept across agent processes and server restarts.
 */
record SessionPaths(Path root, Path workspace, Path home, Path tmp, Path run) {

    static SessionPaths of(Path dataDir, String sessionId) {
        Path root = dataDir.resolve("sessions").resolve(sessionId);
        return new SessionPaths(root, root.resolve("workspace"), root.resolve("home"), root.resolve("tmp"),
                root.resolve("run"));
    }

    SandboxSpec sandboxSpec(String sessionId) {
        return new SandboxSpec(sessionId, workspace, home, tmp, run);
    }

    /** Creates the home and temp folders (the workspace is made by the clone). */
    void createHomeAndTmp() {
        try {
            Files.createDirectories(home);
            Files.createDirectories(tmp);
            Files.createDirectories(run);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root + ": " + e.getMessage(), e);
        }
    }

    /** Removes a half-made workspace before preparing it again. */
    void deleteWorkspace() {
        delete(workspace);
    }

    /** Removes what an idle session can do without: the workspace (re-made from the session branch) and temp files. */
    void tearDown() {
        delete(workspace);
        delete(tmp);
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
