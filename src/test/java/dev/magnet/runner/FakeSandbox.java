package dev.magnet.runner;

import dev.magnet.sandbox.AgentView;
import dev.magnet.sandbox.DiskLimitExceeded;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxProcess;
import dev.magnet.sandbox.SandboxSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A sandbox for unit tests of the runner's parts. {@link #start} (the agent) gives a {@link FakeProcess} the test
 * scripts: it says stdout lines, exits, and records what was written to its stdin. {@link #exec} (the repository's
 * helpers) runs the command for real in the workspace folder, as the development sandbox does.
 */
final class FakeSandbox implements Sandbox {
    private final SandboxSpec spec;
    final List<FakeProcess> agents = new CopyOnWriteArrayList<>();
    final List<List<String>> agentCommands = new CopyOnWriteArrayList<>();
    final List<Map<String, String>> agentEnvironments = new CopyOnWriteArrayList<>();
    int stops;
    boolean closed;
    /** What the sandbox reports of its incidents; tests set them. */
    volatile long memoryKills;
    volatile long processLimitHits;
    final List<Loss> losses = new CopyOnWriteArrayList<>();
    volatile DiskLimitExceeded diskLimit;

    FakeSandbox(Path root) {
        this.spec = new SandboxSpec("fake", root.resolve("workspace"), root.resolve("home"), root.resolve("tmp"),
                root.resolve("run"));
    }

    @Override
    public SandboxProcess start(List<String> command, Map<String, String> environment) {
        agentCommands.add(List.copyOf(command));
        agentEnvironments.add(Map.copyOf(environment));
        FakeProcess p = new FakeProcess();
        agents.add(p);
        return p;
    }

    @Override
    public SandboxProcess exec(List<String> command, Map<String, String> environment) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(spec.workspace().toFile());
        pb.environment().clear();
        pb.environment().putAll(environment);
        try {
            Process p = pb.start();
            return new SandboxProcess() {
                public OutputStream stdin() {
                    return p.getOutputStream();
                }

                public InputStream stdout() {
                    return p.getInputStream();
                }

                public InputStream stderr() {
                    return p.getErrorStream();
                }

                public boolean isAlive() {
                    return p.isAlive();
                }

                public int waitFor(Duration timeout) throws InterruptedException {
                    return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : -1;
                }

                public void killTree() {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }

                public long pid() {
                    return p.pid();
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public SandboxSpec spec() {
        return spec;
    }

    @Override
    public AgentView view() {
        return new AgentView(spec.workspace(), spec.home(), spec.tmp(), Path.of("/opt/claude/bin/claude"),
                "http://127.0.0.1:9", null);
    }

    @Override
    public void stopProcesses() {
        stops++;
        agents.forEach(FakeProcess::killTree);
    }

    @Override
    public long memoryKills() {
        return memoryKills;
    }

    @Override
    public long processLimitHits() {
        return processLimitHits;
    }

    @Override
    public List<Loss> losses() {
        return List.copyOf(losses);
    }

    @Override
    public Optional<DiskLimitExceeded> diskLimitExceeded() {
        return Optional.ofNullable(diskLimit);
    }

    @Override
    public Map<String, Object> describe() {
        return Map.of("provider", "fake", "limits", Map.of("memoryMiB", 512, "maxProcesses", 64));
    }

    @Override
    public void close() {
        closed = true;
        stopProcesses();
    }

    /** A scripted agent process: what it says on stdout, when it exits, what it was told on stdin. */
    static final class FakeProcess implements SandboxProcess {
        private final PipedOutputStream says = new PipedOutputStream();
        private final PipedInputStream stdout;
        private final ByteArrayOutputStream told = new ByteArrayOutputStream();
        private final CountDownLatch exited = new CountDownLatch(1);
        private volatile int exitCode = -1;
        private volatile boolean inputClosed;

        FakeProcess() {
            try {
                stdout = new PipedInputStream(says, 1 << 20);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Writes one line on its stdout. */
        void say(String jsonLine) {
            try {
                says.write((jsonLine + "\n").getBytes(StandardCharsets.UTF_8));
                says.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Ends with {@code code}: stdout closes. */
        void exit(int code) {
            if (exited.getCount() == 0) {
                return;
            }
            exitCode = code;
            try {
                says.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            exited.countDown();
        }

        /** The lines written to its stdin so far. */
        List<String> toldLines() {
            synchronized (told) {
                return told.toString(StandardCharsets.UTF_8).lines().toList();
            }
        }

        boolean inputClosed() {
            return inputClosed;
        }

        @Override
        public OutputStream stdin() {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (told) {
                        told.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (told) {
                        told.write(b, off, len);
                    }
                }

                @Override
                public void close() {
                    inputClosed = true;
                    exit(0);
                }
            };
        }

        @Override
        public InputStream stdout() {
            return stdout;
        }

        @Override
        public InputStream stderr() {
            return InputStream.nullInputStream();
        }

        @Override
        public boolean isAlive() {
            return exited.getCount() > 0;
        }

        @Override
        public int waitFor(Duration timeout) throws InterruptedException {
            return exited.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? exitCode : -1;
        }

        @Override
        public void killTree() {
            exit(137);
        }

        @Override
        public long pid() {
            return 4242;
        }
    }
}
