package dev.magnet.sandbox.kubernetes;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The main process of a session's pod (the agent image's {@code /opt/magnet/shim}), built from this one file with java.base
 * only. It dials out to Magnet's pod gateway with the session's token and nothing ever dials in:
 *
 * <ul>
 *   <li>a control connection on which Magnet asks for processes ({@code start <channel>}) and for everything to be
 *       killed ({@code killall});</li>
 *   <li>one connection per process: Magnet sends the argv and the exact environment, then stdin as frames; the shim
 *       sends stdout, stderr and the exit code as frames ({@link ShimProtocol}); when Magnet closes it, the process tree
 *       is killed;</li>
 *   <li>the model relay and the egress proxy on the pod's own loopback (the ports the bwrap sandbox uses), each
 *       accepted connection tunnelled to the session's gateway.</li>
 * </ul>
 *
 * <p>{@code SHIM_GATEWAY} ({@code host:port}) names every Magnet server: the shim resolves it (a headless Service has
 * one address per server) and tries each address until the server that holds the session answers {@code ok}; the others
 * refuse ({@link ShimProtocol}), and after a takeover the new holder is found the same way. The token is read from the
 * file {@code SHIM_TOKEN_FILE} (written by the pod's init container) and the file is deleted before any process starts,
 * so the token is neither in the shim's environment ({@code /proc/1/environ}) nor on disk when the agent runs; the
 * processes it starts inherit none of its environment. {@code SHIM_WORKDIR} is their working folder.
 */
public final class PodShim {
    private final String host;
    private final int port;
    private final String token;
    private final Path workdir;
    /** The address of the server that accepted the last control connection: process and tunnel connections go there first. */
    private volatile InetAddress holder;

    PodShim(String gateway, String token, Path workdir) {
        int colon = gateway.lastIndexOf(':');
        this.host = gateway.substring(0, colon);
        this.port = Integer.parseInt(gateway.substring(colon + 1));
        this.token = token;
        this.workdir = workdir;
    }

    public static void main(String[] args) throws Exception {
        // why: servers come and go behind the headless Service; the JDK would keep a name's addresses for 30 s
        java.security.Security.setProperty("networkaddress.cache.ttl", "2");
        java.security.Security.setProperty("networkaddress.cache.negative.ttl", "1");
        String gateway = System.getenv("SHIM_GATEWAY");
        String tokenFile = System.getenv("SHIM_TOKEN_FILE");
        if (gateway == null || tokenFile == null || !gateway.contains(":")) {
            System.err.println("magnet-shim: SHIM_GATEWAY (host:port) and SHIM_TOKEN_FILE are required");
            System.exit(2);
        }
        String token;
        try {
            token = java.nio.file.Files.readString(Path.of(tokenFile), StandardCharsets.US_ASCII).strip();
            java.nio.file.Files.delete(Path.of(tokenFile));
        } catch (IOException e) {
            System.err.println("magnet-shim: cannot read and remove the token file " + tokenFile + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        String workdir = System.getenv().getOrDefault("SHIM_WORKDIR", "/workspace");
        int modelPort = Integer.parseInt(System.getenv().getOrDefault("SHIM_MODEL_PORT", "18095"));
        int proxyPort = Integer.parseInt(System.getenv().getOrDefault("SHIM_PROXY_PORT", "3128"));
        PodShim shim = new PodShim(gateway, token, Path.of(workdir));
        shim.listen(modelPort, ShimProtocol.MODEL);
        shim.listen(proxyPort, ShimProtocol.PROXY);
        shim.controlLoop();
    }

    /** Serves a tunnel on the pod's loopback: every connection becomes a connection to the session's gateway. */
    void listen(int localPort, String target) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort));
        Thread.ofPlatform().daemon().name("tunnel-" + target).start(() -> {
            while (true) {
                try {
                    Socket local = server.accept();
                    Thread.ofVirtual().start(() -> tunnel(local, target));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private void tunnel(Socket local, String target) {
        try (local; Socket remote = dial(ShimProtocol.TUNNEL, target)) {
            Thread up = Thread.ofVirtual().start(() -> copyThenShutdown(local, remote));
            copyThenShutdown(remote, local);
            up.join();
        } catch (IOException | InterruptedException e) {
            // the agent sees its connection close
        }
    }

    private static void copyThenShutdown(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // one side went away
        }
    }

    /**
     * Keeps the control connection up (dialling again after a break: servers restart, sessions move to another server)
     * and serves its requests; a server silent for longer than {@link ShimProtocol#DEAD_AFTER} counts as gone.
     */
    void controlLoop() throws InterruptedException {
        long backoff = 200;
        while (true) {
            try (Socket control = dial(ShimProtocol.CONTROL, "-")) {
                backoff = 200;
                control.setSoTimeout((int) ShimProtocol.DEAD_AFTER.toMillis());
                Thread pings = Thread.ofVirtual().name("control-pings").start(() -> ping(control));
                InputStream in = new BufferedInputStream(control.getInputStream());
                String line;
                try {
                    while ((line = ShimProtocol.readLine(in)) != null) {
                        if (!serve(line)) {
                            break;
                        }
                    }
                } finally {
                    pings.interrupt();
                }
            } catch (IOException e) {
                System.err.println("magnet-shim: gateway connection: " + e.getMessage());
            }
            Thread.sleep(backoff);
            backoff = Math.min(5000, backoff * 2);
        }
    }

    /** Serves one line of the control connection; false for a line that is not Magnet's. */
    private boolean serve(String line) {
        if (line.equals(ShimProtocol.PING_LINE)) {
            return true;
        }
        if (line.equals("killall")) {
            killAll();
            return true;
        }
        if (line.startsWith("start ") && line.length() > "start ".length()) {
            String channel = line.substring("start ".length());
            Thread.ofVirtual().name("process-" + channel).start(() -> runProcess(channel));
            return true;
        }
        return false;
    }

    private static void ping(Socket control) {
        try {
            OutputStream out = control.getOutputStream();
            while (!Thread.currentThread().isInterrupted()) {
                out.write((ShimProtocol.PING_LINE + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(ShimProtocol.PING);
            }
        } catch (IOException | InterruptedException e) {
            // the control connection ended
        }
    }

    /**
     * A connection of {@code kind} accepted by the server that holds the session: the last one that did first, then every
     * address the gateway name resolves to now.
     *
     * @throws IOException when no server accepts, saying what each answered
     */
    Socket dial(String kind, String argument) throws IOException {
        List<InetAddress> addresses = new ArrayList<>(List.of(InetAddress.getAllByName(host)));
        InetAddress last = holder;
        if (last != null && addresses.remove(last)) {
            addresses.addFirst(last);
        }
        StringBuilder answers = new StringBuilder();
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, port), 5_000);
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(ShimProtocol.hello(kind, token, argument).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answer = ShimProtocol.readLine(socket.getInputStream());
                if ((answer + "\n").equals(ShimProtocol.OK)) {
                    socket.setSoTimeout(0);
                    holder = address;
                    return socket;
                }
                answers.append(' ').append(address.getHostAddress()).append(": ").append(answer == null ? "closed" : answer).append(';');
            } catch (IOException e) {
                answers.append(' ').append(address.getHostAddress()).append(": ").append(e.getMessage()).append(';');
            }
            socket.close();
        }
        throw new IOException("no Magnet server at " + host + ":" + port + " took the " + kind + " connection:" + answers);
    }

    private void runProcess(String channel) {
        try (Socket socket = dial(ShimProtocol.PROCESS, channel)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            List<String> argv = new ArrayList<>();
            ProcessBuilder pb = new ProcessBuilder();
            pb.environment().clear();
            int args = in.readInt();
            for (int i = 0; i < args; i++) {
                argv.add(ShimProtocol.readString(in));
            }
            int vars = in.readInt();
            for (int i = 0; i < vars; i++) {
                pb.environment().put(ShimProtocol.readString(in), ShimProtocol.readString(in));
            }
            Process process;
            try {
                process = pb.command(argv).directory(workdir.toFile()).start();
            } catch (IOException e) {
                ShimProtocol.writeFrame(out, ShimProtocol.FAILED, e.getMessage().getBytes(StandardCharsets.UTF_8));
                return;
            }
            ShimProtocol.writeFrame(out, ShimProtocol.STARTED, Long.toString(process.pid()).getBytes(StandardCharsets.US_ASCII));
            Thread stdout = Thread.ofVirtual().start(() -> pump(process.getInputStream(), out, ShimProtocol.STDOUT));
            Thread stderr = Thread.ofVirtual().start(() -> pump(process.getErrorStream(), out, ShimProtocol.STDERR));
            Thread.ofVirtual().start(() -> feedStdin(in, process, socket));
            int code = process.waitFor();
            stdout.join();
            stderr.join();
            ShimProtocol.writeFrame(out, ShimProtocol.EXIT, Integer.toString(code).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | InterruptedException e) {
            // Magnet went away or killed it: the process tree was killed by feedStdin
        }
    }

    private static void pump(InputStream from, DataOutputStream out, byte type) {
        byte[] buffer = new byte[32 * 1024];
        try {
            int n;
            while ((n = from.read(buffer)) > 0) {
                ShimProtocol.writeFrame(out, type, java.util.Arrays.copyOf(buffer, n));
            }
        } catch (IOException e) {
            // the connection closed; the process is being killed
        }
    }

    /** Stdin frames until Magnet closes stdin; a kill frame or a closed connection kills the process tree. */
    private static void feedStdin(DataInputStream in, Process process, Socket socket) {
        OutputStream stdin = process.getOutputStream();
        try {
            while (true) {
                byte type = in.readByte();
                byte[] data = ShimProtocol.readPayload(in);
                if (type == ShimProtocol.STDIN) {
                    try {
                        stdin.write(data);
                        stdin.flush();
                    } catch (IOException e) {
                        // the process closed its stdin; keep reading for a kill
                    }
                } else if (type == ShimProtocol.CLOSE_STDIN) {
                    closeQuietly(stdin);
                } else if (type == ShimProtocol.KILL) {
                    break;
                }
            }
        } catch (IOException e) {
            // Magnet closed the connection
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        closeQuietly(stdin);
        try {
            socket.shutdownInput();
        } catch (IOException e) {
            // already closed
        }
    }

    /** Kills every process of the pod but the shim: its own children and whatever they left behind (reparented to it). */
    static void killAll() {
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private static void closeQuietly(OutputStream stream) {
        try {
            stream.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
