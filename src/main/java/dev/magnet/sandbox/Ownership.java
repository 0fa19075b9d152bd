package dev.magnet.sandbox;

import java.io.IOException;
import java.time.Duration;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Hands session folders between the host account and the sandbox account with {@code chown -R}. Symbolic
 * links are changed themselves, never followed (chown's default with -R), so a link the agent planted
 * cannot redirect the change to a host file. Only done while nothing runs in the sandbox.
 */
final class Ownership {
    private Ownership() {
    }

    /** A real folder (not a link to one) with nothing in it. */
    private static boolean isEmptyFolder(Path p) {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    /** Makes {@code uid:gid} own {@code paths} and everything below them. */
    static void give(int uid, int gid, Path... paths) {
        List<String> argv = new ArrayList<>(List.of("chown", "-R", "--no-dereference", uid + ":" + gid, "--"));
        for (Path p : paths) {
            if (isEmptyFolder(p)) {
                // why: a new session's folders are empty; changing them here spares the chown process, milliseconds of
                // every session's start
                try {
                    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    throw new SandboxException("cannot hand " + p + " to uid " + uid + ": " + e.getMessage(), e);
                }
            } else if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                argv.add(p.toString());
            }
        }
        if (argv.size() == 5) {
            return;
        }
        try {
            HostCommand.Result r = HostCommand.run(argv, Duration.ofSeconds(120));
            if (!r.finished()) {
                throw new SandboxException("chown of the session's folders did not finish in 120 s");
            }
            if (r.exit() != 0) {
                throw new SandboxException("cannot hand the session's folders to uid " + uid + ": " + r.output().strip());
            }
        } catch (IOException e) {
            throw new SandboxException("cannot run chown: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while handing over the session's folders", e);
        }
    }
}
