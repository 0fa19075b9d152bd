package dev.magnet.sandbox;

import dev.magnet.files.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A session's own copy-on-write layer over its image: an overlay file system that the server (root) mounts at
 * {@code <layer>/root} with the image's root file system (and setup cache snapshots) as read-only lower layers and
 * {@code <layer>/upper} as the only writable one. Every process of the session's sandbox sees the same mount as its
 * {@code /}; the image itself is never written. Unmounted when the sandbox closes; a mount left by a server that died
 * is replaced at the next mount and swept at start ({@link #unmountAllUnder}).
 */
final class SessionLayer implements AutoCloseable {
    /** why: overlayfs separates lower layers with ':' and options with ','; such paths could smuggle in options. */
    private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9/._+@=-]+");
    private static final String HOME = "home/agent";

    private final Path layer;
    private final Path root;

    private SessionLayer(Path layer) {
        this.layer = layer;
        this.root = root(layer);
    }

    /** Where the layer is mounted: the sandbox's {@code /}. */
    static Path root(Path layer) {
        return layer.resolve("root");
    }

    /** Where the layer's writable files are kept on the host. */
    static Path upper(Path layer) {
        return layer.resolve("upper");
    }

    /**
     * Mounts the session's layer over {@code lowers} (topmost first, the image last). A new layer gets the agent's home
     * folder, owned by the sandbox's account; a kept one is used as it is (nothing in it is read).
     *
     * @throws SandboxException when the overlay cannot be mounted
     */
    static SessionLayer mount(Path layer, List<Path> lowers, SandboxUser user) {
        SessionLayer l = new SessionLayer(layer);
        List<String> parts = new ArrayList<>();
        for (Path p : lowers) {
            parts.add(safe(p));
        }
        Path upper = upper(layer);
        Path work = layer.resolve("work");
        try {
            Files.createDirectories(layer);
            Files.setPosixFilePermissions(layer, PosixFilePermissions.fromString("rwx------"));
            l.unmountIfMounted();
            if (!Files.exists(upper, LinkOption.NOFOLLOW_LINKS)) {
                // why: made here, before anything ran in it, so nothing in it can redirect the host's writes
                Files.createDirectories(upper.resolve(HOME));
                // why: three fresh folders, so set here rather than with a chown process (one less spawn per mount)
                for (Path dir : List.of(upper, upper.resolve("home"), upper.resolve(HOME))) {
                    Files.setAttribute(dir, "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(dir, "unix:gid", user.gid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            FileTrees.deleteRecursively(work);
            Files.createDirectories(work);
            Files.createDirectories(l.root);
        } catch (IOException | UncheckedIOException e) {
            throw new SandboxException("cannot prepare the session's layer in " + layer + ": " + e.getMessage(), e);
        }
        String options = "lowerdir=" + String.join(":", parts) + ",upperdir=" + safe(upper) + ",workdir=" + safe(work)
                + ",nosuid,nodev";
        run(List.of("mount", "-t", "overlay", "magnet-layer", "-o", options, l.root.toString()));
        return l;
    }

    /** The mounted layer: the sandbox's {@code /}. */
    Path root() {
        return root;
    }

    /** Unmounts the layer (lazily when something still holds it); its files stay for the next sandbox of the session. */
    @Override
    public void close() {
        unmountIfMounted();
    }

    /**
     * Unmounts every session layer left mounted under {@code sessions} (by a server that died), except those of the
     * sessions {@code inUse} names (a live server on the same data dir runs them).
     */
    static void unmountAllUnder(Path sessions, Predicate<String> inUse) {
        for (Path mount : mountsUnder(sessions)) {
            if (mount.getFileName().toString().equals("root") && mount.getParent().getFileName().toString().equals("layer")
                    && !inUse.test(mount.getParent().getParent().getFileName().toString())) {
                lazyUnmount(mount);
            }
        }
    }

    private void unmountIfMounted() {
        if (mountsUnder(root).contains(root)) {
            try {
                run(List.of("umount", root.toString()));
            } catch (SandboxException e) {
                lazyUnmount(root);
            }
        }
    }

    private static void lazyUnmount(Path mount) {
        run(List.of("umount", "-l", mount.toString()));
    }

    /** The mount points at or below {@code dir}, from this process's mount table. */
    private static List<Path> mountsUnder(Path dir) {
        List<Path> mounts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    Path point = Path.of(f[4].replace("\\040", " "));
                    if (point.startsWith(dir)) {
                        mounts.add(point);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
        }
        return mounts;
    }

    private static String safe(Path p) {
        String s = p.toAbsolutePath().normalize().toString();
        if (!SAFE_PATH.matcher(s).matches()) {
            throw new SandboxException("cannot mount a session layer at " + s + ": use a data dir and image folder whose "
                    + "paths have letters, digits and / . _ + @ = - only");
        }
        return s;
    }

    private static void run(List<String> argv) {
        try {
            HostCommand.Result r = HostCommand.run(argv, Duration.ofSeconds(60));
            if (!r.finished()) {
                throw new SandboxException(argv.get(0) + " did not finish in 60 s");
            }
            if (r.exit() != 0) {
                throw new SandboxException(String.join(" ", argv.subList(0, Math.min(3, argv.size()))) + " failed: "
                        + r.output().strip());
            }
        } catch (IOException e) {
            throw new SandboxException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while running " + argv.get(0), e);
        }
    }
}
