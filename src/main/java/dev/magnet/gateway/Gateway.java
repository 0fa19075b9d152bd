package dev.magnet.gateway;

import dev.magnet.net.AddressPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
    private final AddressPolicy addresses;
    private final EgressLog egressLog;
    private final int maxConnections;
    private final Map<String, Network> networks = new ConcurrentHashMap<>();
    private final Set<Integer> ownPorts = ConcurrentHashMap.newKeySet();

    /** What a session's sandbox may reach now, and which phase ({@code setup}, {@code agent}) that policy is for. */
    public record Network(EgressPolicy policy, String phase) {
    }

    /**
     * @param egress         what every sandbox may reach, beside its session's own policy ({@code MAGNET_EGRESS_ALLOW})
     * @param addresses      which internal addresses may be reached although not public ({@code MAGNET_ALLOW_PRIVATE_ADDRESSES})
     * @param egressLog      where every connection attempt is reported
     * @param maxConnections connections open at once on each socket of a session; more are closed at once
     *                       ({@code SessionLimits.gatewayMaxConnections()})
     */
    public Gateway(ModelRelay relay, EgressPolicy egress, AddressPolicy addresses, EgressLog egressLog, int maxConnections) {
        this.relay = Objects.requireNonNull(relay, "relay");
        this.egress = Objects.requireNonNull(egress, "egress: EgressPolicy.denyAll() when nothing is allowed");
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.egressLog = Objects.requireNonNull(egressLog, "egressLog (EgressLog.NONE for none)");
        ownPorts.add(relay.port());
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
     * Marks a port of this host as Magnet's own (its web server; the relay's is known already): the egress proxy never
     * connects to it on any address of this host, whatever a policy or {@code MAGNET_EGRESS_PRIVATE_ADDRESSES} allows.
     */
    public void protect(int port) {
        ownPorts.add(port);
    }

    /**
     * Sets what a session's sandbox may reach from now on (connections already open stay open): the operator's
     * {@code MAGNET_EGRESS_ALLOW} and {@code policy}, reported as {@code phase}.
     */
    public void network(String sessionId, EgressPolicy policy, String phase) {
        networks.put(sessionId, new Network(egress.plus(policy), phase));
    }

    /** What a session's sandbox may reach now: the operator's list alone until {@link #network} says more. */
    public Network network(String sessionId) {
        return networks.getOrDefault(sessionId, new Network(egress, "agent"));
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
        EgressProxy proxy = new EgressProxy(sessionId, () -> network(sessionId), addresses, ownPorts::contains, egressLog);
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
        return new SessionGateway(model, proxySocket, () -> networks.remove(sessionId));
    }

    /** One session's open gateway sockets; closing removes them. */
    public static final class SessionGateway implements AutoCloseable {
        private final UnixSocketServer model;
        private final UnixSocketServer proxy;
        private final Runnable forget;

        private SessionGateway(UnixSocketServer model, UnixSocketServer proxy, Runnable forget) {
            this.model = model;
            this.proxy = proxy;
            this.forget = forget;
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
            forget.run();
        }
    }
}
