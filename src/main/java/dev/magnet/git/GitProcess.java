package dev.magnet.git;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.Supplier;

/**
 * A running git process whose standard input and output the caller streams (a pack going into or out of a
 * repository); its stderr is kept for error messages. {@link #finish()} waits for it within its call's timeout.
 */
public final class GitProcess implements AutoCloseable {
    private final Process process;
    private final Supplier<GitResult> finisher;

    GitProcess(Process process, Supplier<GitResult> finisher) {
        this.process = process;
        this.finisher = finisher;
    }

    public OutputStream stdin() {
        return process.getOutputStream();
    }

    public InputStream stdout() {
        return process.getInputStream();
    }

    /**
     * Waits for git to exit; its stdout is not in the result (the caller read it).
     *
     * @throws GitException when it does not exit within the call's timeout, or the wait is interrupted
     */
    public GitResult finish() {
        return finisher.get();
    }

    /** Stops git at once if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            Git.kill(process);
        }
    }
}
