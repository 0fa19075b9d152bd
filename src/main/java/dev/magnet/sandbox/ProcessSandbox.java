package dev.magnet.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The plain sandbox: a child process of the server in the session's own workspace with a cleared
 * environment. No isolation beyond that; {@code BwrapSandbox} is the isolating provider.
 */
public final class ProcessSandbox implements Sandbox {
    private final SandboxSpec spec;
    private final List<LocalProcess> processes = new CopyOnWriteArrayList<>();

    ProcessSandbox(SandboxSpec spec) {
        this.spec = spec;
    }

    /** The provider of plain process sandboxes. */
    public static SandboxProvider provider() {
        return new SandboxProvider() {
            @Override
            public Sandbox create(SandboxSpec spec) {
                return new ProcessSandbox(spec);
            }

            @Override
            public String name() {
                return "process";
            }
        };
    }

    @Override
    public SandboxProcess start(List<String> command, Map<String, String> environment) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(spec.workspace().toFile());
        pb.environment().clear(); // why: the server's own environment holds the real model key
        pb.environment().putAll(environment);
        try {
            LocalProcess p = new LocalProcess(pb.start());
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new SandboxException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public SandboxSpec spec() {
        return spec;
    }

    @Override
    public void close() {
        processes.forEach(LocalProcess::killTree);
        processes.clear();
    }

    /** A local child process; killing it kills its descendants too (the agent's tools run in their own groups). */
    static final class LocalProcess implements SandboxProcess {
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
}
