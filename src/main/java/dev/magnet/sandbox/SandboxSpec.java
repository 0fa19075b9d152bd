package dev.magnet.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a session's sandbox is made of: its writable workspace (the repository), the agent's home (kept
 * across processes for {@code --resume}), a private temp folder, a run folder that only the server
 * writes (the sandbox's generated passwd, group and hosts), and its root file system.
 *
 * @param root the image the sandbox's root file system comes from, and the session's own layer over it
 */
public record SandboxSpec(String sessionId, Path workspace, Path home, Path tmp, Path run, RootFs root) {
    public SandboxSpec {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(workspace, "workspace");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(tmp, "tmp");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(root, "root");
    }

    /** A sandbox over the host's own {@code /usr} (image {@code host}). */
    public SandboxSpec(String sessionId, Path workspace, Path home, Path tmp, Path run) {
        this(sessionId, workspace, home, tmp, run, RootFs.HOST);
    }

    /** True when the root file system is an image with the session's own copy-on-write layer over it. */
    public boolean layered() {
        return !root.image().equals(Images.HOST);
    }

    /**
     * The root file system of a sandbox.
     *
     * @param image     the image's name; {@link Images#HOST} is the host's {@code /usr}, read-only, with no layer
     * @param layer     the session's folder for its copy-on-write layer over the image (null for {@code host})
     * @param snapshots read-only layers between the image and the session's own, topmost first: setup cache
     *                  snapshots (empty when none)
     * @param cachedWorkspace a setup cache snapshot's workspace, bound read-only at {@link #CACHED_WORKSPACE} for the
     *                  helper that copies it into the workspace; null when none
     */
    public record RootFs(String image, Path layer, List<Path> snapshots, Path cachedWorkspace) {
        public static final RootFs HOST = new RootFs(Images.HOST, null, List.of());
        /** Where {@link #cachedWorkspace} is seen inside. */
        public static final Path CACHED_WORKSPACE = Path.of("/run/magnet/cached-workspace");

        /** Where a session layer folder keeps its writable files on the host. */
        public static Path upper(Path layer) {
            return SessionLayer.upper(layer);
        }

        public RootFs(String image, Path layer, List<Path> snapshots) {
            this(image, layer, snapshots, null);
        }

        public RootFs {
            Objects.requireNonNull(image, "image");
            snapshots = List.copyOf(snapshots);
            if (!image.equals(Images.HOST)) {
                Objects.requireNonNull(layer, "layer: an image other than host needs the session's layer folder");
            }
        }
    }
}
