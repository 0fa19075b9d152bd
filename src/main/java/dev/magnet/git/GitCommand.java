package dev.magnet.git;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One git call being prepared: directory, timeout, credentials and global options. Immutable;
 * each {@code with...} returns a new command. Made by {@link Git#in(Path)}.
 */
public final class GitCommand {
    private final Git git;
    private final Path dir;
    private final Duration timeout;
    private final GitAuth auth;
    private final List<String> options;
    private final String protocols;

    GitCommand(Git git, Path dir, Duration timeout, GitAuth auth, List<String> options, String protocols) {
        this.git = git;
        this.dir = dir;
        this.timeout = timeout;
        this.auth = auth;
        this.options = List.copyOf(options);
        this.protocols = protocols;
    }

    public GitCommand withTimeout(Duration newTimeout) {
        return new GitCommand(git, dir, Objects.requireNonNull(newTimeout, "timeout"), auth, options, protocols);
    }

    public GitCommand withAuth(GitAuth newAuth) {
        return new GitCommand(git, dir, timeout, Objects.requireNonNull(newAuth, "auth"), options, protocols);
    }

    /** Adds {@code -c key=value} before the subcommand. Not for secrets (argv is visible): use {@link GitAuth}. */
    public GitCommand withConfig(String key, String value) {
        return withOptions("-c", key + "=" + value);
    }

    /**
     * Lets this call use these transport protocols (e.g. {@code "file"}, {@code "https"}), and only them; by
     * default a call may use none.
     */
    public GitCommand withProtocols(String... allowed) {
        return new GitCommand(git, dir, timeout, auth, options, String.join(":", allowed));
    }

    /** Adds global options before the subcommand, e.g. {@code --git-dir=...}. */
    public GitCommand withOptions(String... more) {
        List<String> all = new ArrayList<>(options);
        all.addAll(Arrays.asList(more));
        return new GitCommand(git, dir, timeout, auth, all, protocols);
    }

    /**
     * Runs git with {@code args} and returns its result when it exits with 0.
     *
     * @throws GitException when git exits with another code (its kind read from stderr), times out,
     *                      is interrupted or cannot be started
     */
    public GitResult run(String... args) {
        return run(List.of(args));
    }

    /** As {@link #run(String...)}. */
    public GitResult run(List<String> args) {
        GitResult result = tryRun(args);
        if (!result.succeeded()) {
            throw new GitException(GitErrors.classify(result.stderr()),
                    "git " + args.getFirst() + " failed in " + dir + " (exit " + result.exitCode() + ")",
                    GitErrors.tail(result.stderr()));
        }
        return result;
    }

    /**
     * Runs git with {@code args} and returns its result whatever its exit code.
     *
     * @throws GitException only when git times out, is interrupted or cannot be started
     */
    public GitResult tryRun(String... args) {
        return tryRun(List.of(args));
    }

    /** As {@link #tryRun(String...)}. */
    public GitResult tryRun(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("a git subcommand is required");
        }
        return git.execute(dir, timeout, auth, protocols, options, args);
    }

    /** Starts git with {@code args}; the caller streams its standard input and output. */
    public GitProcess stream(List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("a git subcommand is required");
        }
        return git.stream(dir, timeout, auth, protocols, options, args);
    }

    /**
     * Runs git with {@code args}, {@code input} on its standard input, and returns its result whatever its exit code.
     *
     * @throws GitException only when git times out, is interrupted or cannot be started
     */
    public GitResult tryRunWithInput(byte[] input, List<String> args) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("a git subcommand is required");
        }
        return git.execute(dir, timeout, auth, protocols, options, args, Objects.requireNonNull(input, "input"));
    }
}
