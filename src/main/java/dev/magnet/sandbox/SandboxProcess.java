package dev.magnet.sandbox;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/** A process running in a sandbox, with its stdio. */
public interface SandboxProcess {
    OutputStream stdin();

    InputStream stdout();

    InputStream stderr();

    boolean isAlive();

    /** Waits for the exit; the exit code, or -1 if it did not exit in time. */
    int waitFor(Duration timeout) throws InterruptedException;

    /** Kills the process and everything it started, at once. */
    void killTree();

    long pid();
}
