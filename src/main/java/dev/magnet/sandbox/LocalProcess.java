package dev.magnet.sandbox;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child process of the server; killing it kills its descendants too (the agent's tools run in their own groups). */
final class LocalProcess implements SandboxProcess {
    private final Process process;

    LocalProcess(Process process) {
        this.process = process;
    }

    @Override
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    @Override
    public InputStream stdout() {
        return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
        return process.getErrorStream();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public int waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    @Override
    public void killTree() {
        // why: snapshot descendants first; once the parent dies they are re-parented and harder to find
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public long pid() {
        return process.pid();
    }
}
