package dev.magnet.gateway;

import dev.magnet.net.AddressPolicy;
import dev.magnet.net.ForbiddenAddressException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP proxy of one session, served on a unix socket in its sandbox. It tunnels HTTPS ({@code CONNECT}) and
 * forwards plain-HTTP requests (one per connection) only to destinations the session's current network policy allows
 * (see {@link Gateway#network}), and never to loopback, link-local, private or otherwise internal addresses, whatever
 * the name resolves to, unless the operator allows them ({@code MAGNET_ALLOW_PRIVATE_ADDRESSES}). The connection goes
 * to the address that was checked. Every attempt is reported to the {@link EgressLog}.
 */
final class EgressProxy {
    private static final Logger log = LoggerFactory.getLogger(EgressProxy.class);
    private static final int MAX_HEAD = 16 * 1024;
    private static final List<String> DROPPED_HEADERS = List.of("proxy-connection", "proxy-authorization", "connection",
            "keep-alive");

    private final String sessionId;
    private final Supplier<Gateway.Network> network;
    private final AddressPolicy addresses;
    private final IntPredicate ownPort;
    private final EgressLog egressLog;

    /** @param ownPort the ports of Magnet's own servers, never reached on this host's addresses */
    EgressProxy(String sessionId, Supplier<Gateway.Network> network, AddressPolicy addresses, IntPredicate ownPort,
                EgressLog egressLog) {
        this.sessionId = sessionId;
        this.network = network;
        this.addresses = addresses;
        this.ownPort = ownPort;
        this.egressLog = egressLog;
    }

    void handle(SocketChannel client) throws IOException {
        String head = readHead(client);
        String[] first = head.lines().findFirst().orElse("").split(" ");
        if (first.length < 3 || !first[2].startsWith("HTTP/1.")) {
            refuse(client, 400, "Magnet egress proxy: not an HTTP request");
            return;
        }
        String method = first[0].toUpperCase(Locale.ROOT);
        if (method.equals("CONNECT")) {
            tunnel(client, first[1]);
        } else {
            forward(client, method, first[1], head);
        }
    }

    private void tunnel(SocketChannel client, String target) throws IOException {
        int colon = target.lastIndexOf(':');
        int port = colon < 0 ? -1 : parsePort(target.substring(colon + 1));
        String host = colon < 0 ? target : target.substring(0, colon).replace("[", "").replace("]", "");
        Gateway.Network net = network.get();
        if (port < 1 || !net.policy().allows(host, port)) {
            denied(client, host, port, "CONNECT", net, "not allowed by the " + net.phase() + " network policy");
            return;
        }
        InetAddress address = checkedAddress(client, host, port, "CONNECT", net);
        if (address == null) {
            return;
        }
        SocketChannel upstream;
        try {
            upstream = SocketChannel.open(new InetSocketAddress(address, port));
        } catch (IOException e) {
            unreachable(client, host, port, "CONNECT", net);
            return;
        }
        try (upstream) {
            client.write(ByteBuffer.wrap("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            Pipes.Traffic traffic = Pipes.both(client, upstream);
            allowed(host, port, "CONNECT", net, traffic);
        }
    }

    /** A plain-HTTP request in absolute form ({@code GET http://host/path HTTP/1.1}): sent on with {@code Connection: close}. */
    private void forward(SocketChannel client, String method, String target, String head) throws IOException {
        URI uri;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || !"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            refuse(client, 400, "Magnet egress proxy: send plain-HTTP requests as http://host/path, HTTPS through CONNECT");
            return;
        }
        String host = uri.getHost().replace("[", "").replace("]", "");
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        Gateway.Network net = network.get();
        if (!net.policy().allows(host, port, method)) {
            denied(client, host, port, method, net, net.policy().allows(host, port)
                    ? method + " is not allowed by the " + net.phase() + " network policy"
                    : "not allowed by the " + net.phase() + " network policy");
            return;
        }
        InetAddress address = checkedAddress(client, host, port, method, net);
        if (address == null) {
            return;
        }
        SocketChannel upstream;
        try {
            upstream = SocketChannel.open(new InetSocketAddress(address, port));
        } catch (IOException e) {
            unreachable(client, host, port, method, net);
            return;
        }
        try (upstream) {
            byte[] rewritten = originForm(method, uri, head).getBytes(StandardCharsets.ISO_8859_1);
            ByteBuffer out = ByteBuffer.wrap(rewritten);
            while (out.hasRemaining()) {
                upstream.write(out);
            }
            Pipes.Traffic traffic = Pipes.both(client, upstream);
            allowed(host, port, method, net, new Pipes.Traffic(traffic.sent() + rewritten.length, traffic.received()));
        }
    }

    /** The request line in origin form and the headers without the proxy's own, asking the server to close after. */
    static String originForm(String method, URI uri, String head) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder out = new StringBuilder(method).append(' ').append(path);
        if (uri.getRawQuery() != null) {
            out.append('?').append(uri.getRawQuery());
        }
        out.append(" HTTP/1.1\r\n");
        head.lines().skip(1).filter(line -> !line.isEmpty()).forEach(line -> {
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (colon > 0 && !DROPPED_HEADERS.contains(name)) {
                out.append(line).append("\r\n");
            }
        });
        return out.append("Connection: close\r\n\r\n").toString();
    }

    /** The address to connect to, checked; null when refused (the client has been answered). */
    private InetAddress checkedAddress(SocketChannel client, String host, int port, String method, Gateway.Network net)
            throws IOException {
        InetAddress address;
        try {
            address = addresses.check(host).getFirst();
        } catch (ForbiddenAddressException e) {
            denied(client, host, port, method, net, e.getMessage());
            return null;
        }
        if (ownPort.test(port) && isThisHost(address)) {
            denied(client, host, port, method, net, "that is the Magnet server itself");
            return null;
        }
        return address;
    }

    /** True for an address of this host: loopback, the wildcard, or one of its interfaces' addresses. */
    static boolean isThisHost(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return true;
        }
    }

    private void denied(SocketChannel client, String host, int port, String method, Gateway.Network net, String reason)
            throws IOException {
        log.info("session {}: egress {} {}:{} refused: {}", sessionId, method, host, port, reason);
        egressLog.record(sessionId, new EgressAttempt(host, port, method, false, net.phase(), reason, 0, 0));
        refuse(client, 403, "Magnet egress proxy: " + host + ":" + port + " — " + reason);
    }

    private void unreachable(SocketChannel client, String host, int port, String method, Gateway.Network net)
            throws IOException {
        egressLog.record(sessionId, new EgressAttempt(host, port, method, true, net.phase(), "unreachable", 0, 0));
        refuse(client, 502, "Magnet egress proxy: cannot reach " + host + ":" + port);
    }

    private void allowed(String host, int port, String method, Gateway.Network net, Pipes.Traffic traffic) {
        egressLog.record(sessionId, new EgressAttempt(host, port, method, true, net.phase(), null, traffic.sent(),
                traffic.received()));
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            return port >= 1 && port <= 65535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String readHead(SocketChannel client) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder head = new StringBuilder();
        while (head.length() < MAX_HEAD && !endsWithBlankLine(head)) {
            one.clear();
            if (client.read(one) < 0) {
                break;
            }
            head.append((char) (one.get(0) & 0xff));
        }
        return head.toString();
    }

    private static boolean endsWithBlankLine(StringBuilder head) {
        int n = head.length();
        return n >= 4 && head.charAt(n - 4) == '\r' && head.charAt(n - 3) == '\n' && head.charAt(n - 2) == '\r'
                && head.charAt(n - 1) == '\n';
    }

    private static void refuse(SocketChannel client, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        String reason = switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            default -> "Bad Gateway";
        };
        String response = "HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: text/plain; charset=utf-8\r\n"
                + "content-length: " + body.length + "\r\nconnection: close\r\n\r\n";
        client.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.US_ASCII)));
        client.write(ByteBuffer.wrap(body));
    }
}
