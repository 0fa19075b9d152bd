package dev.magnet.runner;

import dev.magnet.sandbox.Images;
import dev.magnet.sandbox.SandboxSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where a session lives on the host: {@code <data>/sessions/<id>/} with the workspace (the agent's working copy),
 * the agent's home (transcripts for {@code --resume}), a private temp folder, the run folder (the sandbox's
 * generated /etc files), all seen by the sandbox, and the session repository ({@code repo.git}), which no sandbox
 * ever sees. Kept across agent processes and server restarts.
 */
record SessionPaths(Path root, Path workspace, Path home, Path tmp, Path run, Path repo) {

    static SessionPaths of(Path dataDir, String sessionId) {
        Path root = dataDir.resolve("sessions").resolve(sessionId);
        return new SessionPaths(root, root.resolve("workspace"), root.resolve("home"), root.resolve("tmp"),
                root.resolve("run"), root.resolve("repo.git"));
    }

    SandboxSpec sandboxSpec(String sessionId) {
        return new SandboxSpec(sessionId, workspace, home, tmp, run);
    }

    /**
     * The sandbox over these folders with its root file system from {@code image} ({@link Images#HOST}: the host's
     * {@code /usr}; another: the session's layer, {@code layer/}, over the image and the given snapshots).
     */
    SandboxSpec sandboxSpec(String sessionId, String image, List<Path> snapshots, Path cachedWorkspace) {
        SandboxSpec.RootFs rootFs = image.equals(Images.HOST) ? SandboxSpec.RootFs.HOST
                : new SandboxSpec.RootFs(image, layer(), snapshots, cachedWorkspace);
        return new SandboxSpec(sessionId, workspace, home, tmp, run, rootFs);
    }

    /** The session's copy-on-write layer over its image (with an image other than {@code host}). */
    Path layer() {
        return root.resolve("layer");
    }

    /** The writable files of the session's layer. */
    Path layerUpper() {
        return SandboxSpec.RootFs.upper(layer());
    }

    /** The file, written by the server only, naming the setup cache snapshot the session's layer stands on. */
    Path snapshotNote() {
        return layer().resolve("snapshot");
    }

    /** Forgets a layer half-made by a run that was cut off: its writable files and the snapshot it stood on. */
    void resetLayer() {
        try {
            Files.deleteIfExists(snapshotNote());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + snapshotNote() + ": " + e.getMessage(), e);
        }
        deleteLayerUpper();
    }

    /** Removes the session's layer's writable files (a fresh one is made at the next mount). */
    void deleteLayerUpper() {
        delete(layerUpper());
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

    /** Makes the workspace an empty folder (removing a half-made one), ready to be seeded. */
    void resetWorkspace() {
        delete(workspace);
        try {
            Files.createDirectories(workspace);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + workspace + ": " + e.getMessage(), e);
        }
    }

    /** True when the workspace holds nothing (it was just made, or torn down and made again empty). */
    boolean workspaceIsEmpty() {
        try (Stream<Path> entries = Files.list(workspace)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + workspace + ": " + e.getMessage(), e);
        }
    }

    /** Makes an empty workspace folder when there is none (an idle session's was torn down). */
    void ensureWorkspace() {
        if (!Files.isDirectory(workspace)) {
            resetWorkspace();
        }
    }

    /** Removes a half-made session repository before making it again. */
    void deleteRepo() {
        delete(repo);
    }

    /** Removes what an idle session can do without: the workspace (re-made from the session repository) and temp files. */
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
