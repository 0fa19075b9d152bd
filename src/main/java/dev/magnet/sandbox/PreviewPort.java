package dev.magnet.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * How the host reaches a port of a sandbox's own loopback without entering its network namespace: a forwarder started
 * inside the sandbox with the service ({@link #FORWARDER}) waits until the port listens, then serves a unix socket
 * ({@code app.sock}) in a folder of the host bound into that sandbox only ({@link #SHARED_INSIDE}), and connects each
 * of its connections to {@code 127.0.0.1:port}.
 *
 * <p>Whatever runs in the sandbox may put any file there, a link to a socket of the host included, and a host that
 * connected to the path would follow it. So the host never connects to that folder: it hard-links the entry into a
 * folder only the server writes ({@code link(2)} does not follow a symbolic link; a link across the sandbox's mounts
 * fails) and connects to its own link only when that is a socket owned by the sandbox account, never a link.
 */
public final class PreviewPort {
    /** Where the shared folder is inside the sandbox. */
    static final Path SHARED_INSIDE = Path.of("/run/magnet/preview");
    static final String SOCKET = "app.sock";
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /**
     * Argv prefix {@code port dir command…}: starts the forwarder in the background, then becomes the command. The port
     * listens when {@code /proc/net/tcp} or {@code tcp6} shows it in state LISTEN (0A); nothing connects to find out.
     */
    static final String FORWARDER = String.join("\n",
            "port=\"$1\"; dir=\"$2\"; shift 2",
            "hex=$(printf '%04X' \"$port\")",
            "(",
            "  until grep -qE \": [0-9A-F]+:$hex [0-9A-F]+:0000 0A\" /proc/net/tcp /proc/net/tcp6 2>/dev/null; do sleep 0.1; done",
            "  exec socat -b 65536 UNIX-LISTEN:\"$dir/" + SOCKET + "\",fork,unlink-early,mode=600 TCP:127.0.0.1:\"$port\"",
            ") </dev/null >/dev/null 2>&1 &",
            "exec \"$@\"");

    private final Path shared;
    private final Path captured;
    private final int uid;

    /**
     * @param shared   the folder bound into the sandbox (made here, owned by {@code uid})
     * @param captured where the host keeps its own link to the socket, in a folder only the server writes
     * @param uid      the sandbox account, owner of the socket; -1 when it is the server's own account
     */
    PreviewPort(Path shared, Path captured, int uid, int gid) {
        this.shared = shared;
        this.captured = captured;
        this.uid = uid;
        try {
            Files.createDirectories(shared);
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwx------"));
            if (uid >= 0) {
                Files.setAttribute(shared, "unix:gid", gid);
                Files.setAttribute(shared, "unix:uid", uid);
            }
            Files.deleteIfExists(captured);
        } catch (IOException e) {
            throw new SandboxException("cannot prepare the preview folder " + shared + ": " + e.getMessage(), e);
        }
    }

    Path shared() {
        return shared;
    }

    /** The argv that starts {@code command} with the forwarder of {@code port} in front, the folder being {@code dir} inside. */
    static List<String> wrap(int port, Path dir, List<String> command) {
        List<String> argv = new java.util.ArrayList<>(List.of("bash", "--noprofile", "--norc", "-c", FORWARDER, "magnet-forward",
                Integer.toString(port), dir.toString()));
        argv.addAll(command);
        return argv;
    }

    /**
     * The host's own link to the forwarder's socket, taken again from the shared folder when it is missing or when
     * {@code refresh} (a connection to it failed: the forwarder made a new one); empty while the port does not listen.
     */
    synchronized Optional<Path> socket(boolean refresh) {
        try {
            if (!refresh && isSocket(captured)) {
                return Optional.of(captured);
            }
            Files.deleteIfExists(captured);
            try {
                Files.createLink(captured, shared.resolve(SOCKET));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
            if (!isSocket(captured)) {
                Files.deleteIfExists(captured);
                return Optional.empty();
            }
            return Optional.of(captured);
        } catch (IOException e) {
            return Optional.empty(); // why: a link across mounts, or anything but a plain entry, is no socket of ours
        } catch (UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private boolean isSocket(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        return (mode & S_IFMT) == S_IFSOCK && (uid < 0 || owner == uid);
    }

    /** Removes the shared folder and the host's link. */
    void close() {
        try {
            Files.deleteIfExists(captured);
            Files.deleteIfExists(shared.resolve(SOCKET));
            Files.deleteIfExists(shared);
        } catch (IOException e) {
            // why: a folder the sandbox filled with other files stays until the session's run folder goes
        }
    }
}
