package dev.magnet.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP CONNECT proxy for one session, served on a unix socket in its sandbox. It tunnels only to
 * destinations the {@link EgressPolicy} names, and never to loopback, link-local, site-local or wildcard
 * addresses (the host's own services, cloud metadata), whatever the name resolves to. Plain HTTP
 * requests are refused: the sandbox gets no clear-text egress.
 */
final class EgressProxy {
    private static final Logger log = LoggerFactory.getLogger(EgressProxy.class);
    private static final int MAX_HEAD = 8 * 1024;

    private final String sessionId;
    private final EgressPolicy policy;

    EgressProxy(String sessionId, EgressPolicy policy) {
        this.sessionId = sessionId;
        this.policy = policy;
    }

    void handle(SocketChannel client) throws IOException {
        String head = readHead(client);
        String[] first = head.lines().findFirst().orElse("").split(" ");
        if (first.length < 3 || !first[0].equals("CONNECT")) {
            refuse(client, 405, "Magnet egress proxy: only CONNECT is supported");
            return;
        }
        String target = first[1];
        int colon = target.lastIndexOf(':');
        int port;
        try {
            port = colon < 0 ? -1 : Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        String host = colon < 0 ? target : target.substring(0, colon).replace("[", "").replace("]", "");
        if (port < 1 || port > 65535 || !policy.allows(host, port)) {
            log.info("session {}: egress to {} blocked by the network policy", sessionId, target);
            refuse(client, 403, "Magnet egress proxy: " + target + " is not allowed by this session's network policy");
            return;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            refuse(client, 502, "Magnet egress proxy: cannot resolve " + host);
            return;
        }
        if (isInternal(address)) {
            refuse(client, 403, "Magnet egress proxy: " + host + " resolves to an internal address");
            return;
        }
        try (SocketChannel upstream = SocketChannel.open(new InetSocketAddress(address, port))) {
            client.write(ByteBuffer.wrap("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            Pipes.both(client, upstream);
        } catch (IOException e) {
            refuse(client, 502, "Magnet egress proxy: cannot reach " + target);
        }
    }

    static boolean isInternal(InetAddress a) {
        return a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress();
    }

    private static String readHead(SocketChannel client) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder head = new StringBuilder();
        while (head.length() < MAX_HEAD && !head.toString().endsWith("\r\n\r\n")) {
            one.clear();
            if (client.read(one) < 0) {
                break;
            }
            head.append((char) (one.get(0) & 0xff));
        }
        return head.toString();
    }

    private static void refuse(SocketChannel client, int status, String message) throws IOException {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        String reason = status == 403 ? "Forbidden" : status == 405 ? "Method Not Allowed" : "Bad Gateway";
        String response = "HTTP/1.1 " + status + " " + reason + "\r\ncontent-type: text/plain\r\ncontent-length: " + body.length
                + "\r\nconnection: close\r\n\r\n";
        client.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.US_ASCII)));
        client.write(ByteBuffer.wrap(body));
    }
}
