package dev.magnet.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A unix socket served by Magnet itself (no host-side socat): each accepted connection goes to the
 * handler on its own virtual thread, up to {@code maxConnections} open at once; a connection past that is
 * closed as soon as it is accepted, and counted (SECURITY.md, rule 5). The socket file belongs to the
 * sandbox's account with mode 0600, so only that account (and root) can connect; it sits in the session's
 * private run folder.
 */
final class UnixSocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnixSocketServer.class);

    private final Path path;
    private final ServerSocketChannel server;
    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final Thread acceptor;

    private UnixSocketServer(Path path, ServerSocketChannel server, int maxConnections, Consumer<SocketChannel> handler) {
        this.path = path;
        this.server = server;
        this.maxConnections = maxConnections;
        this.acceptor = Thread.ofVirtual().name("gateway-" + path.getFileName()).start(() -> acceptLoop(handler));
    }

    /**
     * Binds {@code path} (replacing a stale socket left by a crash) and starts accepting.
     *
     * @param uid            owner of the socket file, or -1 to keep the server's
     * @param maxConnections connections the handler serves at once; more are closed at once
     */
    static UnixSocketServer serve(Path path, int uid, int gid, int maxConnections, Consumer<SocketChannel> handler) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("a gateway socket needs room for a connection (MAGNET_GATEWAY_MAX_CONNECTIONS)");
        }
        try {
            Files.deleteIfExists(path);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
            if (uid >= 0) {
                Files.setAttribute(path, "unix:gid", gid);
                Files.setAttribute(path, "unix:uid", uid);
            }
            return new UnixSocketServer(path, server, maxConnections, handler);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the unix socket " + path + ": " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    /** How many connections were closed unserved because the socket had {@code maxConnections} open. */
    long refusedConnections() {
        return refused.get();
    }

    private void acceptLoop(Consumer<SocketChannel> handler) {
        boolean refusing = false;
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                // why: only this thread adds to the count, so a check here cannot be overtaken; handlers only subtract
                if (open.get() >= maxConnections) {
                    refused.incrementAndGet();
                    closeQuietly(client);
                    if (!refusing) {
                        log.warn("gateway socket {}: {} connections open, the limit (MAGNET_GATEWAY_MAX_CONNECTIONS); "
                                + "closing new ones until one ends ({} closed so far)", path, maxConnections, refused.get());
                    }
                    refusing = true;
                    continue;
                }
                refusing = false;
                open.incrementAndGet();
                Thread.ofVirtual().name("gateway-conn").start(() -> {
                    try (client) {
                        handler.accept(client);
                    } catch (IOException | RuntimeException e) {
                        log.debug("gateway connection on {} ended: {}", path, e.getMessage());
                    } finally {
                        open.decrementAndGet();
                    }
                });
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("gateway socket {} stopped accepting: {}", path, e.getMessage());
                return;
            }
        }
    }

    private void closeQuietly(SocketChannel client) {
        try {
            client.close();
        } catch (IOException e) {
            log.debug("closing a refused connection on {}: {}", path, e.getMessage());
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("closing {}: {}", path, e.getMessage());
        }
        acceptor.interrupt();
    }
}
