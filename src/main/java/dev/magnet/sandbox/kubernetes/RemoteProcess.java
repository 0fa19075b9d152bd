package dev.magnet.sandbox.kubernetes;

import dev.magnet.sandbox.SandboxProcess;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A process running in a session's pod, seen through its shim connection: stdin goes out as frames, stdout and stderr
 * come back as frames into pipes (a reader that stops reading holds the shim back, as an OS pipe would), the exit code
 * as the last frame. A connection that breaks without one reads as a kill ({@link #KILLED}).
 */
final class RemoteProcess implements SandboxProcess {
    /** The exit code of a process whose connection broke off: what a SIGKILL'd process reports. */
    static final int KILLED = 137;
    private static final int PIPE_BYTES = 256 * 1024;

    private final Socket socket;
    private final DataOutputStream out;
    private final long pid;
    private final Runnable disconnect;
    private final PipedInputStream stdout = new PipedInputStream(PIPE_BYTES);
    private final PipedInputStream stderr = new PipedInputStream(PIPE_BYTES);
    private final CountDownLatch exited = new CountDownLatch(1);
    private volatile int exitCode = KILLED;
    private final OutputStream stdin = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int at = off; at < off + len; at += ShimProtocol.MAX_FRAME) {
                ShimProtocol.writeFrame(out, ShimProtocol.STDIN, Arrays.copyOfRange(b, at, Math.min(off + len, at + ShimProtocol.MAX_FRAME)));
            }
        }

        @Override
        public void close() throws IOException {
            if (!socket.isClosed()) {
                ShimProtocol.writeFrame(out, ShimProtocol.CLOSE_STDIN, new byte[0]);
            }
        }
    };

    RemoteProcess(Socket socket, DataInputStream in, DataOutputStream out, long pid, Runnable disconnect) throws IOException {
        this.socket = socket;
        this.out = out;
        this.pid = pid;
        this.disconnect = disconnect;
        PipedOutputStream toStdout = new PipedOutputStream(stdout);
        PipedOutputStream toStderr = new PipedOutputStream(stderr);
        Thread.ofVirtual().name("pod-process-" + pid).start(() -> demultiplex(in, toStdout, toStderr));
    }

    private void demultiplex(DataInputStream in, PipedOutputStream toStdout, PipedOutputStream toStderr) {
        try (toStdout; toStderr) {
            while (true) {
                byte type = in.readByte();
                byte[] data = ShimProtocol.readPayload(in);
                switch (type) {
                    case ShimProtocol.STDOUT -> write(toStdout, data);
                    case ShimProtocol.STDERR -> write(toStderr, data);
                    case ShimProtocol.EXIT -> {
                        exitCode = Integer.parseInt(new String(data, StandardCharsets.US_ASCII).trim());
                        return;
                    }
                    default -> throw new IOException("unknown frame " + type);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the connection broke off: the process reads as killed
        } finally {
            exited.countDown();
            disconnect.run();
        }
    }

    /** Drops output nobody reads any more (its reader closed the pipe) instead of stopping the other stream. */
    private static void write(PipedOutputStream pipe, byte[] data) {
        try {
            pipe.write(data);
            pipe.flush(); // why: only flush wakes a reader waiting on the pipe; without it each chunk waits up to 1 s
        } catch (IOException e) {
            // the reader closed its end
        }
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
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
        if (!socket.isClosed()) {
            try {
                ShimProtocol.writeFrame(out, ShimProtocol.KILL, new byte[0]);
            } catch (IOException e) {
                // already gone
            }
        }
        disconnect.run();
    }

    @Override
    public long pid() {
        return pid;
    }
}
