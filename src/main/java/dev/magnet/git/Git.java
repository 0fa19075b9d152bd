package dev.magnet.git;

import dev.magnet.sandbox.HostEnvironment;
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
import java.util.concurrent.TimeUnit;

/**
 * Runs the git command-line program on the host: one process per call, argv as a list (never through a
 * shell), in a given directory, with a timeout, capturing stdout and stderr, in an environment built from
 * nothing ({@link #prepareEnvironment}). git never asks anything interactively. Host git only ever runs in
 * repositories Magnet alone owns (mirrors and session repositories), never in a folder an agent could write.
 * Start a call with {@link #in(Path)}.
 */
public final class Git {
    /** How long a git call may take unless the caller says otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    static final int MAX_STDOUT_BYTES = 64 * 1024 * 1024;
    private static final int MAX_STDERR_BYTES = 64 * 1024;
    private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);
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

    /**
     * A git call that will run in {@code dir}; add options, then {@code run} it. It may use no transport protocol
     * unless {@link GitCommand#withProtocols} allows one.
     */
    public GitCommand in(Path dir) {
        return new GitCommand(this, Objects.requireNonNull(dir, "dir"), defaultTimeout, GitAuth.NONE, List.of(), "");
    }

    GitResult execute(Path dir, Duration timeout, GitAuth auth, String protocols, List<String> options, List<String> args) {
        return execute(dir, timeout, auth, protocols, options, args, null);
    }

    /** As above; {@code input}, when not null, is written to git's standard input. */
    GitResult execute(Path dir, Duration timeout, GitAuth auth, String protocols, List<String> options, List<String> args,
                      byte[] input) {
        String what = "git " + (args.isEmpty() ? "" : args.getFirst());
        Process process = launch(dir, auth, protocols, options, args);
        Drain stdout = Drain.start(process.getInputStream(), MAX_STDOUT_BYTES, false);
        Drain stderr = Drain.start(process.getErrorStream(), MAX_STDERR_BYTES, true);
        try (var stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input);
            }
        } catch (IOException e) {
            // git exited before reading all of its input; its exit code and stderr say why
        }
        int code = await(process, timeout, what, stderr);
        if (stdout.overflowed()) {
            throw new GitException(GitException.Kind.FAILED,
                    what + " printed more than " + MAX_STDOUT_BYTES / (1024 * 1024) + " MiB, more than Magnet reads");
        }
        return new GitResult(code, stdout.text(), stderr.text());
    }

    /** Starts git with its standard input and output left to the caller (see {@link GitProcess}). */
    GitProcess stream(Path dir, Duration timeout, GitAuth auth, String protocols, List<String> options, List<String> args) {
        String what = "git " + (args.isEmpty() ? "" : args.getFirst());
        Process process = launch(dir, auth, protocols, options, args);
        Drain stderr = Drain.start(process.getErrorStream(), MAX_STDERR_BYTES, true);
        return new GitProcess(process, () -> {
            int code = await(process, timeout, what, stderr);
            return new GitResult(code, "", stderr.text());
        });
    }

    private Process launch(Path dir, GitAuth auth, String protocols, List<String> options, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(executable);
        argv.addAll(options);
        argv.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile());
        prepareEnvironment(builder.environment(), auth, protocols);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new GitException(GitException.Kind.FAILED, "could not start git " + (args.isEmpty() ? "" : args.getFirst())
                    + " in " + dir + ": " + e.getMessage());
        }
    }

    private static int await(Process process, Duration timeout, String what, Drain stderr) {
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
        return process.exitValue();
    }

    /**
     * Builds git's environment from nothing (SECURITY.md, rule 3): none of the server's variables (its model key,
     * GitHub key, database URL), an empty home, no system or global config, no replace objects, no lazy fetch of
     * missing objects, no terminal prompts, and only the transport {@code protocols} (colon-separated) this call needs.
     */
    static void prepareEnvironment(Map<String, String> env, GitAuth auth, String protocols) {
        HostEnvironment.clean(env);
        // why: HOME and XDG_CONFIG_HOME hold ~/.gitconfig, ~/.netrc (read by git's curl) and ~/.config/git
        env.put("HOME", "/nonexistent");
        env.put("XDG_CONFIG_HOME", "/nonexistent");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("GIT_NO_REPLACE_OBJECTS", "1");
        env.put("GIT_NO_LAZY_FETCH", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        // why: an empty GIT_ASKPASS also stops git from falling back to core.askPass and SSH_ASKPASS
        env.put("GIT_ASKPASS", "");
        // why: git refuses every transport not listed, so a call that should stay local cannot reach out
        env.put("GIT_ALLOW_PROTOCOL", protocols);
        env.putAll(auth.env());
        // why: through the environment, these outrank every config file: host git never runs a hook or an fsmonitor
        // program of any repository
        Map<String, String> config = new java.util.LinkedHashMap<>();
        config.put("core.hooksPath", "/dev/null");
        config.put("core.fsmonitor", "false");
        config.putAll(auth.config());
        int index = 0;
        for (Map.Entry<String, String> entry : config.entrySet()) {
            env.put("GIT_CONFIG_KEY_" + index, entry.getKey());
            env.put("GIT_CONFIG_VALUE_" + index, entry.getValue());
            index++;
        }
        env.put("GIT_CONFIG_COUNT", Integer.toString(index));
    }

    static void kill(Process process) {
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
