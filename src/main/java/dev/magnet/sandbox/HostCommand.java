package dev.magnet.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A program the server runs on the host (chown, mount, cp, du, probes): with the clean environment of
 * {@link HostEnvironment} (SECURITY.md, rule 3), in {@code /} (never in a folder a sandbox could write), no input,
 * its output and errors read together. The one place such a program is started; callers say what a failure means.
 */
public final class HostCommand {
    private HostCommand() {
    }

    /** What the program printed and how it ended; {@code finished} is false when it ran past its time and was killed. */
    public record Result(boolean finished, int exit, String output) {
        public boolean succeeded() {
            return finished && exit == 0;
        }
    }

    /** Runs {@code argv} (absolute paths as arguments) and waits at most {@code timeout} for it to end. */
    public static Result run(List<String> argv, Duration timeout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).directory(new File("/"));
        HostEnvironment.clean(pb.environment());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return new Result(false, -1, out);
        }
        return new Result(true, p.exitValue(), out);
    }
}
