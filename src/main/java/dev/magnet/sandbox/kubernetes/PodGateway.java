package dev.magnet.sandbox.kubernetes;

import dev.magnet.sandbox.SandboxException;
import dev.magnet.sandbox.SandboxProcess;
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
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one TCP port session pods may reach ({@code MAGNET_KUBERNETES_GATEWAY_PORT}): their shims ({@link PodShim}) dial in
 * with the session's token for control, for each process and for tunnels to the session's model relay and egress proxy
 * sockets ({@link dev.magnet.gateway.Gateway}). A connection whose token or channel is not its session's own is closed
 * before anything is read from or sent to it.
 */
public final class PodGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodGateway.class);
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);

    private final ServerSocket server;
    /** Registrations by the SHA-256 of their token: a look-up never compares the secret itself. */
    private final Map<String, Registration> sessions = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong channels = new AtomicLong();

    private PodGateway(ServerSocket server) {
        this.server = server;
        Thread.ofPlatform().daemon().name("pod-gateway").start(this::acceptLoop);
    }

    /** Listens on {@code bind:port} (port 0: any free one). */
    public static PodGateway start(InetAddress bind, int port) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(bind, port));
            return new PodGateway(socket);
        } catch (IOException e) {
            throw new SandboxException("cannot listen for session pods on " + bind.getHostAddress() + ":" + port
                    + " (MAGNET_KUBERNETES_GATEWAY_PORT): " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Lets the shim holding {@code token} in, with tunnels to the session's gateway sockets, until closed. */
    Registration register(String sessionId, String token, Path modelSocket, Path proxySocket) {
        Registration r = new Registration(sessionId, token, modelSocket, proxySocket);
        if (sessions.putIfAbsent(digest(token), r) != null) {
            throw new SandboxException("the pod gateway already serves a session with this token");
        }
        return r;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().name("pod-gateway-connection").start(() -> serve(socket));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("pod gateway: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(Socket socket) {
        open.add(socket);
        boolean kept = false;
        try {
            socket.setSoTimeout((int) HELLO_TIMEOUT.toMillis());
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String hello = ShimProtocol.readLine(in);
            String[] words = hello == null ? new String[0] : hello.split(" ", -1);
            Registration session = words.length == 5 && words[0].equals("magnet-shim") && words[1].equals("1")
                    ? sessions.get(digest(words[3])) : null;
            if (session == null) {
                log.warn("pod gateway: refused a connection from {} without a session's token", socket.getInetAddress().getHostAddress());
                return;
            }
            socket.setSoTimeout(0);
            kept = switch (words[2]) {
                case ShimProtocol.CONTROL -> session.control(socket);
                case ShimProtocol.PROCESS -> session.process(words[4], socket, in);
                case ShimProtocol.TUNNEL -> session.tunnel(words[4], socket, in);
                default -> false;
            };
        } catch (SocketTimeoutException e) {
            log.warn("pod gateway: no greeting from {} in time", socket.getInetAddress().getHostAddress());
        } catch (IOException e) {
            log.debug("pod gateway connection: {}", e.getMessage());
        } finally {
            if (!kept) {
                closeQuietly(socket);
            }
        }
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
        sessions.values().forEach(Registration::close);
        open.forEach(this::closeQuietly);
    }

    /** One session's place at the gateway: its shim's control connection, its processes being started, its tunnels. */
    final class Registration implements AutoCloseable {
        private final String sessionId;
        private final String token;
        private final Path modelSocket;
        private final Path proxySocket;
        private volatile CompletableFuture<Socket> control = new CompletableFuture<>();
        private final Map<String, CompletableFuture<Connection>> pending = new ConcurrentHashMap<>();
        private volatile boolean closed;

        private Registration(String sessionId, String token, Path modelSocket, Path proxySocket) {
            this.sessionId = sessionId;
            this.token = token;
            this.modelSocket = modelSocket;
            this.proxySocket = proxySocket;
        }

        /** A process connection as it came in: the socket and what was read of it already. */
        private record Connection(Socket socket, InputStream in) {
        }

        private synchronized boolean control(Socket socket) {
            if (closed) {
                return false;
            }
            CompletableFuture<Socket> current = control;
            Socket old = current.getNow(null);
            if (old != null) {
                // why: a shim dials again after a break; the newest control connection is the one that works
                closeQuietly(old);
                current = new CompletableFuture<>();
                control = current;
            }
            current.complete(socket);
            return true;
        }

        private boolean process(String channel, Socket socket, InputStream in) {
            CompletableFuture<Connection> waiting = pending.remove(channel);
            if (waiting == null) {
                log.warn("pod gateway: session {}'s shim asked for a process Magnet did not start", sessionId);
                return false;
            }
            return waiting.complete(new Connection(socket, in));
        }

        private boolean tunnel(String target, Socket socket, InputStream in) throws IOException {
            Path path = switch (target) {
                case ShimProtocol.MODEL -> modelSocket;
                case ShimProtocol.PROXY -> proxySocket;
                default -> null;
            };
            if (path == null) {
                return false;
            }
            SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(path));
            Thread.ofVirtual().name("pod-tunnel-" + target).start(() -> {
                try (upstream) {
                    OutputStream toGateway = Channels.newOutputStream(upstream);
                    Thread down = Thread.ofVirtual().start(() -> {
                        try {
                            Channels.newInputStream(upstream).transferTo(socket.getOutputStream());
                            socket.shutdownOutput();
                        } catch (IOException e) {
                            // one side went away
                        }
                    });
                    in.transferTo(toGateway);
                    upstream.shutdownOutput();
                    down.join();
                } catch (IOException | InterruptedException e) {
                    // one side went away
                } finally {
                    closeQuietly(socket);
                }
            });
            return true;
        }

        /** True while the shim's control connection is up. */
        boolean connected() {
            Socket s = controlSocket();
            return s != null && !s.isClosed();
        }

        /** Forgets the shim's control connection (its pod is gone): the next process waits for a new shim to dial in. */
        synchronized void disconnect() {
            Socket c = controlSocket();
            if (c != null) {
                closeQuietly(c);
                control = new CompletableFuture<>();
            }
        }

        /** The shim's control connection, or null while there is none. */
        private Socket controlSocket() {
            CompletableFuture<Socket> c = control;
            return c.isDone() && !c.isCompletedExceptionally() ? c.join() : null;
        }

        /**
         * Starts a process in the pod through its shim, waiting up to {@code wait} for the shim to be there.
         *
         * @throws SandboxException when the shim is not connected in time or cannot start the command
         */
        SandboxProcess start(List<String> argv, Map<String, String> environment, Duration wait) {
            String channel = Long.toString(channels.incrementAndGet()) + "-" + Long.toHexString(System.nanoTime());
            CompletableFuture<Connection> arrival = new CompletableFuture<>();
            pending.put(channel, arrival);
            try {
                Socket controlSocket = control.get(wait.toMillis(), TimeUnit.MILLISECONDS);
                sendControl(controlSocket, "start " + channel);
                Connection c = arrival.get(wait.toMillis(), TimeUnit.MILLISECONDS);
                DataOutputStream out = new DataOutputStream(c.socket().getOutputStream());
                out.writeInt(argv.size());
                for (String a : argv) {
                    ShimProtocol.writeString(out, a);
                }
                out.writeInt(environment.size());
                for (var e : environment.entrySet()) {
                    ShimProtocol.writeString(out, e.getKey());
                    ShimProtocol.writeString(out, e.getValue());
                }
                out.flush();
                DataInputStream in = new DataInputStream(c.in());
                // why: a pod that took the connection but never says STARTED must not hold the workflow's thread for good
                c.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, wait.toMillis()));
                byte type = in.readByte();
                String payload = new String(ShimProtocol.readPayload(in), StandardCharsets.UTF_8);
                c.socket().setSoTimeout(0);
                if (type != ShimProtocol.STARTED) {
                    closeQuietly(c.socket());
                    throw new SandboxException("the pod of session " + sessionId + " cannot start " + argv.get(0) + ": "
                            + payload.substring(0, Math.min(300, payload.length())));
                }
                open.add(c.socket());
                return new RemoteProcess(c.socket(), in, out, Long.parseLong(payload), () -> closeQuietly(c.socket()));
            } catch (TimeoutException e) {
                throw new SandboxException("the pod of session " + sessionId + " did not answer within " + wait.toSeconds() + " s");
            } catch (ExecutionException | IOException | NumberFormatException e) {
                throw new SandboxException("the pod of session " + sessionId + " broke off starting a process: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while starting a process in session " + sessionId + "'s pod");
            } finally {
                pending.remove(channel);
            }
        }

        /** Asks the shim to kill every process in the pod but itself. */
        void killAll() {
            Socket c = controlSocket();
            if (c != null) {
                try {
                    sendControl(c, "killall");
                } catch (IOException e) {
                    // the pod is gone or the shim reconnects: nothing runs that this server could reach
                }
            }
        }

        private void sendControl(Socket socket, String line) throws IOException {
            synchronized (socket) {
                OutputStream out = socket.getOutputStream();
                out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            sessions.remove(digest(token), this);
            Socket c = controlSocket();
            if (c != null) {
                closeQuietly(c);
            }
            control.cancel(false);
            pending.values().forEach(p -> p.cancel(false));
        }
    }
}
