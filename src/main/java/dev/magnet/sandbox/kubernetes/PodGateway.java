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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * with their pod's token ({@link PodTokens}) for control, for each process and for tunnels to the session's model relay
 * and egress proxy sockets ({@link dev.magnet.gateway.Gateway}).
 *
 * <p>Every server checks every token (they are signed with the installation's shared key), but only the server that
 * holds a session serves its pod: the others answer {@code refused not-holder} and the shim tries the next server
 * address. Other refusals: {@code stale-pod} (a token of an earlier pod of the session), {@code busy} (the session's shim
 * already has a live control connection: a second one, say from an agent that read the token, gets nothing). A
 * connection with a token that is not one of ours, or a channel that is not its session's own, is closed without a word.
 */
public final class PodGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodGateway.class);
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ServerSocket server;
    private final PodTokens tokens;
    /** Registrations by session id. */
    private final Map<String, Registration> sessions = new ConcurrentHashMap<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();

    private PodGateway(ServerSocket server, PodTokens tokens) {
        this.server = server;
        this.tokens = tokens;
        Thread.ofPlatform().daemon().name("pod-gateway").start(this::acceptLoop);
        Thread.ofVirtual().name("pod-gateway-pings").start(this::pingLoop);
    }

    /** Listens on {@code bind:port} (port 0: any free one), accepting the pod tokens {@code tokens} signs. */
    public static PodGateway start(InetAddress bind, int port, PodTokens tokens) {
        java.util.Objects.requireNonNull(tokens, "tokens");
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(bind, port));
            return new PodGateway(socket, tokens);
        } catch (IOException e) {
            throw new SandboxException("cannot listen for session pods on " + bind.getHostAddress() + ":" + port
                    + " (MAGNET_KUBERNETES_GATEWAY_PORT): " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Serves the shim of the session's pod (of the attempt {@link Registration#accept} names), with tunnels to the
     * session's gateway sockets, until closed: this server holds the session now.
     */
    Registration register(String sessionId, Path modelSocket, Path proxySocket) {
        Registration r = new Registration(sessionId, modelSocket, proxySocket);
        if (sessions.putIfAbsent(sessionId, r) != null) {
            throw new SandboxException("the pod gateway already serves session " + sessionId);
        }
        return r;
    }

    /** How many connections of {@code kind} this server took for the session it holds now (0 when it holds none). */
    long accepted(String sessionId, String kind) {
        Registration r = sessions.get(sessionId);
        return r == null ? 0 : r.accepted(kind);
    }

    /** How many connections with a valid token were refused for {@code reason} (e.g. {@code busy}), or {@code bad-token}. */
    long refused(String reason) {
        AtomicLong n = refusals.get(reason);
        return n == null ? 0 : n.get();
    }

    private void pingLoop() {
        while (!server.isClosed()) {
            try {
                Thread.sleep(ShimProtocol.PING);
            } catch (InterruptedException e) {
                return;
            }
            sessions.values().forEach(Registration::ping);
        }
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
            Optional<PodTokens.Claim> claim = words.length == 5 && words[0].equals("magnet-shim") && words[1].equals(ShimProtocol.VERSION)
                    ? tokens.verify(words[3]) : Optional.empty();
            if (claim.isEmpty()) {
                count("bad-token");
                log.warn("pod gateway: refused a connection from {} without a session pod's token", socket.getInetAddress().getHostAddress());
                return;
            }
            Registration session = sessions.get(claim.get().sessionId());
            String refusal = session == null ? ShimProtocol.NOT_HOLDER : session.refusal(claim.get().attempt());
            if (refusal != null) {
                refuse(socket, claim.get(), refusal);
                return;
            }
            socket.setSoTimeout(0);
            kept = switch (words[2]) {
                case ShimProtocol.CONTROL -> session.control(socket, in, claim.get());
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

    /** Tells a shim with a valid token why this server does not serve it, so that it tries another one. */
    private void refuse(Socket socket, PodTokens.Claim claim, String reason) {
        count(reason);
        log.debug("pod gateway: refused session {} attempt {}: {}", claim.sessionId(), claim.attempt(), reason);
        try {
            socket.getOutputStream().write(("refused " + reason + "\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        } catch (IOException e) {
            // it went away
        }
    }

    private void count(String reason) {
        refusals.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    private static void sayOk(Socket socket) throws IOException {
        socket.getOutputStream().write(ShimProtocol.OK.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    /** A random channel name: a client without the control connection cannot guess the one of a process being started. */
    private static String newChannel() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
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
        private final Path modelSocket;
        private final Path proxySocket;
        private volatile int attempt;
        private volatile CompletableFuture<Socket> control = new CompletableFuture<>();
        private final Map<String, CompletableFuture<Connection>> pending = new ConcurrentHashMap<>();
        private final Map<String, AtomicLong> accepted = new ConcurrentHashMap<>();
        private volatile boolean closed;

        private Registration(String sessionId, Path modelSocket, Path proxySocket) {
            this.sessionId = sessionId;
            this.modelSocket = modelSocket;
            this.proxySocket = proxySocket;
        }

        /** A process connection as it came in: the socket and what was read of it already. */
        private record Connection(Socket socket, InputStream in) {
        }

        /**
         * From now on only the shim of the session's pod of {@code podAttempt} is served; a control connection of another
         * pod is dropped.
         */
        synchronized void accept(int podAttempt) {
            if (attempt != podAttempt) {
                attempt = podAttempt;
                disconnect();
            }
        }

        /** Why a shim of pod {@code podAttempt} is not served now, or null when it is. */
        private String refusal(int podAttempt) {
            if (closed) {
                return ShimProtocol.NOT_HOLDER;
            }
            return podAttempt == attempt ? null : ShimProtocol.STALE_POD;
        }

        /** How many connections of {@code kind} this server took for the session. */
        long accepted(String kind) {
            AtomicLong n = accepted.get(kind);
            return n == null ? 0 : n.get();
        }

        private void took(String kind) {
            accepted.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        }

        private boolean control(Socket socket, InputStream in, PodTokens.Claim claim) throws IOException {
            synchronized (this) {
                if (closed || claim.attempt() != attempt) {
                    return false;
                }
                Socket live = controlSocket();
                if (live != null && !live.isClosed()) {
                    // why: one shim per pod; the token may have been read by the agent in the pod, and a second control
                    // connection would learn the channels of new processes and could answer in their place
                    refuse(socket, claim, ShimProtocol.BUSY);
                    return false;
                }
                sayOk(socket);
                took(ShimProtocol.CONTROL);
                CompletableFuture<Socket> current = control;
                if (current.isDone()) {
                    current = new CompletableFuture<>();
                    control = current;
                }
                current.complete(socket);
                notifyAll();
            }
            socket.setSoTimeout((int) ShimProtocol.DEAD_AFTER.toMillis());
            Thread.ofVirtual().name("pod-control-" + sessionId).start(() -> watchControl(socket, in));
            return true;
        }

        /** Reads the shim's pings until its control connection ends or falls silent, then forgets it. */
        private void watchControl(Socket socket, InputStream in) {
            try {
                String line;
                while ((line = ShimProtocol.readLine(in)) != null) {
                    if (!line.equals(ShimProtocol.PING_LINE)) {
                        break;
                    }
                }
            } catch (IOException e) {
                // silent for too long, or broken
            }
            synchronized (this) {
                if (controlSocket() == socket) {
                    control = new CompletableFuture<>();
                }
            }
            closeQuietly(socket);
        }

        private void ping() {
            Socket c = controlSocket();
            if (c != null) {
                try {
                    sendControl(c, ShimProtocol.PING_LINE);
                } catch (IOException e) {
                    closeQuietly(c);
                }
            }
        }

        private boolean process(String channel, Socket socket, InputStream in) throws IOException {
            CompletableFuture<Connection> waiting = pending.remove(channel);
            if (waiting == null) {
                log.warn("pod gateway: session {}'s shim asked for a process Magnet did not start", sessionId);
                return false;
            }
            sayOk(socket);
            took(ShimProtocol.PROCESS);
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
            sayOk(socket);
            took(ShimProtocol.TUNNEL + " " + target);
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
            String channel = newChannel();
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
            sessions.remove(sessionId, this);
            Socket c = controlSocket();
            if (c != null) {
                closeQuietly(c);
            }
            control.cancel(false);
            pending.values().forEach(p -> p.cancel(false));
        }
    }
}
