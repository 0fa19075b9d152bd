package dev.magnet.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs the git command-line program: one process per call, argv as a list (never through a shell),
 * in a given directory, with a timeout, capturing stdout and stderr. git never asks anything
 * interactively: no terminal prompts, no askpass programs, ssh in batch mode. Start a call with
 * {@link #in(Path)}.
 */
public final class Git {
    /** How long a git call may take unless the caller says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    static final int MAX_STDOUT_BYTES = 64 * 1024 * 1024;
    private static final int MAX_STDERR_BYTES = 64 * 1024;
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);
    // why: any other inherited GIT_* variable (GIT_DIR, GIT_INDEX_FILE, GIT_AUTHOR_NAME, ...) would
    // point git at another repository or identity, e.g. when the server runs from a git hook
    private static final Set<String> INHERITED_GIT_VARIABLES =
            Set.of("GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSH_VARIANT", "GIT_EXEC_PATH", "GIT_TRACE", "GIT_TRACE_PACKET",
                    "GIT_TRACE_CURL");

    private final String executable;
    private final Duration defaultTimeout;

    /** git from the {@code PATH}, with {@link #DEFAULT_TIMEOUT}. */
    public Git() {
        this("git", DEFAULT_TIMEOUT);
    }

    public Git(String executable, Duration defaultTimeout) {
        if (executable == null || executable.isBlank()) {
            throw new IllegalArgumentException("git executable is required, e.g. \"git\" or \"/usr/bin/git\"");
        }
        if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
            throw new IllegalArgumentException("git default timeout must be positive, e.g. Duration.ofMinutes(10)");
        }
        this.executable = executable;
        this.defaultTimeout = defaultTimeout;
    }

    /** A git call that will run in {@code dir}; add options, then {@code run} it. */
    public GitCommand in(Path dir) {
        return new GitCommand(this, Objects.requireNonNull(dir, "dir"), defaultTimeout, GitAuth.NONE, List.of());
    }

    GitResult execute(Path dir, Duration timeout, GitAuth auth, List<String> options, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(executable);
        argv.addAll(options);
        argv.addAll(args);
        String what = "git " + (args.isEmpty() ? "" : args.getFirst());

        ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile());
        prepareEnvironment(builder.environment(), auth);
        Process process;
        try {
            process = builder.start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new GitException(GitException.Kind.FAILED, "could not start " + what + " in " + dir + ": " + e.getMessage());
        }
        Drain stdout = Drain.start(process.getInputStream(), MAX_STDOUT_BYTES, false);
        Drain stderr = Drain.start(process.getErrorStream(), MAX_STDERR_BYTES, true);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new GitException(GitException.Kind.TIMEOUT,
                        what + " did not finish within " + timeout.toSeconds() + " s and was stopped",
                        GitErrors.tail(stderr.text()));
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new GitException(GitException.Kind.INTERRUPTED, what + " was interrupted and stopped");
        }
        if (stdout.overflowed()) {
            throw new GitException(GitException.Kind.FAILED,
                    what + " printed more than " + MAX_STDOUT_BYTES / (1024 * 1024) + " MiB, more than Magnet reads");
        }
        return new GitResult(process.exitValue(), stdout.text(), stderr.text());
    }

    private static void prepareEnvironment(Map<String, String> env, GitAuth auth) {
        env.keySet().removeIf(name -> name.startsWith("GIT_") && !INHERITED_GIT_VARIABLES.contains(name));
        env.remove("SSH_ASKPASS");
        env.put("LC_ALL", "C");
        env.put("GIT_TERMINAL_PROMPT", "0");
        // why: an empty GIT_ASKPASS also stops git from falling back to core.askPass and SSH_ASKPASS
        env.put("GIT_ASKPASS", "");
        // why: remote helpers such as ext:: run arbitrary commands; RepoUrl rejects them, this is the backstop
        env.put("GIT_ALLOW_PROTOCOL", "file:http:https:ssh");
        if (!env.containsKey("GIT_SSH_COMMAND") && !env.containsKey("GIT_SSH")) {
            // why: ssh asks about unknown host keys and passwords on the controlling terminal, which a
            // server started from a shell has; batch mode fails instead of waiting for the timeout
            env.put("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        }
        env.putAll(auth.env());
        int index = 0;
        for (Map.Entry<String, String> entry : auth.config().entrySet()) {
            env.put("GIT_CONFIG_KEY_" + index, entry.getKey());
            env.put("GIT_CONFIG_VALUE_" + index, entry.getValue());
            index++;
        }
        env.put("GIT_CONFIG_COUNT", Integer.toString(index));
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** Reads one output stream of a process on a virtual thread, keeping at most {@code limit} bytes. */
    private static final class Drain {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final int limit;
        private final boolean keepTail;
        private volatile boolean overflowed;
        private Thread thread;

        private Drain(int limit, boolean keepTail) {
            this.limit = limit;
            this.keepTail = keepTail;
        }

        static Drain start(InputStream in, int limit, boolean keepTail) {
            Drain drain = new Drain(limit, keepTail);
            drain.thread = Thread.ofVirtual().name("git-output").start(() -> drain.read(in));
            return drain;
        }

        private void read(InputStream in) {
            byte[] chunk = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    append(chunk, n);
                }
            } catch (IOException e) {
                // the process went away; what was read so far is what there is
            }
        }

        private synchronized void append(byte[] chunk, int n) {
            if (keepTail) {
                buffer.write(chunk, 0, n);
                if (buffer.size() > 2 * limit) {
                    byte[] all = buffer.toByteArray();
                    buffer.reset();
                    buffer.write(all, all.length - limit, limit);
                }
            } else if (buffer.size() + n <= limit) {
                buffer.write(chunk, 0, n);
            } else {
                overflowed = true;
            }
        }

        boolean overflowed() {
            await();
            return overflowed;
        }

        String text() {
            await();
            synchronized (this) {
                return buffer.toString(StandardCharsets.UTF_8);
            }
        }

        private void await() {
            try {
                // why: a grandchild that outlives git (an ssh control master) can hold the pipe open
                thread.join(DRAIN_GRACE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
