package dev.magnet.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Everything a sandbox may reach, as unix sockets Magnet serves for each session: the model
 * relay ({@code model.sock}, bridged to {@link ModelRelay} on loopback, which checks the session token and
 * adds the real key) and the egress proxy ({@code proxy.sock}, which allows what the policy says).
 */
public final class Gateway {
    /** The socket file names as the sandbox sees them. */
    public static final String MODEL_SOCKET = "model.sock";
    public static final String PROXY_SOCKET = "proxy.sock";

    private final ModelRelay relay;
    private final EgressPolicy egress;
    private final int maxConnections;

    /**
     * @param maxConnections connections open at once on each socket of a session; more are closed at once
     *                       ({@code SessionLimits.gatewayMaxConnections()})
     */
    public Gateway(ModelRelay relay, EgressPolicy egress, int maxConnections) {
        this.relay = Objects.requireNonNull(relay, "relay");
        this.egress = Objects.requireNonNull(egress, "egress: EgressPolicy.denyAll() when nothing is allowed");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1 (MAGNET_GATEWAY_MAX_CONNECTIONS)");
        }
        this.maxConnections = maxConnections;
    }

    public ModelRelay relay() {
        return relay;
    }

    public EgressPolicy egress() {
        return egress;
    }

    /**
     * Serves the session's two sockets in {@code socketDir} ({@code <sessionId>-model.sock} and
     * {@code <sessionId>-proxy.sock}), owned by the sandbox account. The folder must have a short path:
     * unix socket paths are limited to 107 bytes.
     *
     * @param uid owner of the socket files, or -1 to keep the server's own
     */
    public SessionGateway open(String sessionId, Path socketDir, int uid, int gid) {
        InetSocketAddress relayAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), relay.port());
        Path modelPath = socketDir.resolve(sessionId + "-" + MODEL_SOCKET);
        UnixSocketServer model = UnixSocketServer.serve(modelPath, uid, gid, maxConnections, client -> {
            try (SocketChannel upstream = SocketChannel.open(relayAddress)) {
                Pipes.both(client, upstream);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        EgressProxy proxy = new EgressProxy(sessionId, egress);
        UnixSocketServer proxySocket;
        try {
            Path proxyPath = socketDir.resolve(sessionId + "-" + PROXY_SOCKET);
            proxySocket = UnixSocketServer.serve(proxyPath, uid, gid, maxConnections, client -> {
                try {
                    proxy.handle(client);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return new SessionGateway(model, proxySocket);
    }

    /** One session's open gateway sockets; closing removes them. */
    public static final class SessionGateway implements AutoCloseable {
        private final UnixSocketServer model;
        private final UnixSocketServer proxy;

        private SessionGateway(UnixSocketServer model, UnixSocketServer proxy) {
            this.model = model;
            this.proxy = proxy;
        }

        public Path modelSocket() {
            return model.path();
        }

        public Path proxySocket() {
            return proxy.path();
        }

        @Override
        public void close() {
            model.close();
            proxy.close();
        }
    }
}
