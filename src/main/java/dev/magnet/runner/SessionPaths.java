package dev.magnet.runner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where a session lives on the host: {@code <data>/sessions/<id>/} with the workspace (the repository), the
 * agent's home (transcripts for {@code --resume}) and a private temp folder. Kept across agent processes.
 */
record SessionPaths(Path root, Path workspace, Path home, Path tmp) {

    static SessionPaths of(Path dataDir, String sessionId) {
        Path root = dataDir.resolve("sessions").resolve(sessionId);
        return new SessionPaths(root, root.resolve("workspace"), root.resolve("home"), root.resolve("tmp"));
    }

    /** Creates the home and temp folders (the workspace is made by the clone). */
    void createHomeAndTmp() {
        try {
            Files.createDirectories(home);
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root + ": " + e.getMessage(), e);
        }
    }

    /** Removes a half-made workspace before preparing it again. */
    void deleteWorkspace() {
        if (!Files.exists(workspace)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(workspace)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + workspace + ": " + e.getMessage(), e);
        }
    }
}
