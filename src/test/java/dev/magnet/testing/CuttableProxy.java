package dev.magnet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on loopback in front of a server (the browser's way to Magnet, Magnet's way to an origin) whose
 * open connections a test can cut at once, as a network drop would, and which can go down altogether (nothing
 * listens: connections are refused) and come back on the same port.
 */
public final class CuttableProxy implements AutoCloseable {
    private final int port;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;
    private volatile boolean closed;

    private CuttableProxy(ServerSocket listener, int targetPort) {
        this.listener = listener;
        this.port = listener.getLocalPort();
        this.targetPort = targetPort;
    }

    public static CuttableProxy to(int targetPort) {
        try {
            CuttableProxy proxy = new CuttableProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), targetPort);
            proxy.acceptOn(proxy.listener);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Closes every connection open right now, in both directions. New connections keep working. */
    public int cut() {
        int n = 0;
        for (Socket s : Set.copyOf(open)) {
            closeQuietly(s);
            n++;
        }
        return n;
    }

    /** Stops listening and cuts what is open: the server behind it is unreachable, connections are refused. */
    public void down() {
        closeQuietly(listener);
        cut();
    }

    /** Listens again on the same port. */
    public void up() {
        try {
            ServerSocket again = new ServerSocket();
            again.setReuseAddress(true);
            again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
            listener = again;
            acceptOn(again);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on port " + port + " again", e);
        }
    }

    private void acceptOn(ServerSocket on) {
        Thread.ofVirtual().name("proxy-accept").start(() -> {
            while (!closed && !on.isClosed()) {
                try {
                    Socket client = on.accept();
                    open.add(client);
                    Socket upstream;
                    try {
                        upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    } catch (IOException e) {
                        closeQuietly(client);
                        continue;
                    }
                    open.add(upstream);
                    if (on.isClosed()) {
                        // why: accepted just before the proxy went down, and missed by its cut: nothing gets through
                        closeQuietly(client);
                        closeQuietly(upstream);
                        continue;
                    }
                    Thread.ofVirtual().start(() -> pump(client, upstream));
                    Thread.ofVirtual().start(() -> pump(upstream, client));
                } catch (IOException e) {
                    // the listener was closed (down or close); the loop condition decides
                }
            }
        });
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the other side went away or the test cut the connection
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        down();
    }
}
