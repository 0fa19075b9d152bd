package dev.magnet.webhooks;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 POST to a URL, connected to an address the caller checked beforehand: the URL's name is never resolved
 * again, so a name that answers a public address when checked and a private one a moment later (DNS rebinding) cannot
 * aim a delivery inside the network. Over https the certificate is still verified for the URL's host name (SNI and
 * hostname verification). No redirect is followed; the connection closes after the answer.
 */
final class PinnedPost {
    private static final int MAX_HEAD = 64 * 1024;

    private PinnedPost() {
    }

    /** The answer's status and up to {@code maxBody} bytes of its body (chunked bodies decoded). */
    record Response(int status, byte[] body) {
    }

    static Response send(URI url, InetAddress address, Map<String, String> headers, byte[] body, Duration timeout,
                         int maxBody) throws IOException {
        boolean https = "https".equalsIgnoreCase(url.getScheme());
        if (!https && !"http".equalsIgnoreCase(url.getScheme())) {
            throw new IOException("only http and https URLs are sent to");
        }
        int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(address, port), millis);
            socket.setSoTimeout(millis);
            if (https) {
                SSLSocket tls = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                        .createSocket(socket, url.getHost(), port, true);
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(parameters);
                tls.startHandshake();
                socket = tls;
            }
            OutputStream out = socket.getOutputStream();
            out.write(head(url, headers, body.length).getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()), maxBody);
        } finally {
            socket.close();
        }
    }

    private static String head(URI url, Map<String, String> headers, int length) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String target = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        StringBuilder head = new StringBuilder("POST ").append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(url.getHost()).append(url.getPort() > 0 ? ":" + url.getPort() : "").append("\r\n")
                .append("Content-Length: ").append(length).append("\r\nConnection: close\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        return head.append("\r\n").toString();
    }

    private static Response read(InputStream in, int maxBody) throws IOException {
        String status = line(in);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}")) {
            throw new IOException("not an HTTP answer: " + status.substring(0, Math.min(80, status.length())));
        }
        long length = -1;
        boolean chunked = false;
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = colon < 0 ? "" : line.substring(colon + 1).strip();
            if (name.equals("content-length") && value.matches("[0-9]{1,18}")) {
                length = Long.parseLong(value);
            } else if (name.equals("transfer-encoding")) {
                chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
            }
        }
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        if (chunked) {
            for (long size = chunkSize(in); size > 0 && kept.size() < maxBody; size = chunkSize(in)) {
                copy(in, kept, size, maxBody);
                line(in);
            }
        } else {
            copy(in, kept, length < 0 ? Long.MAX_VALUE : length, maxBody);
        }
        return new Response(Integer.parseInt(parts[1]), kept.toByteArray());
    }

    private static long chunkSize(InputStream in) throws IOException {
        String line = line(in).split(";", 2)[0].strip();
        if (!line.matches("[0-9a-fA-F]{1,15}")) {
            return 0;
        }
        return Long.parseLong(line, 16);
    }

    /** Copies up to {@code bytes} from {@code in}, keeping what fits in {@code max}; stops at the end of the input. */
    private static void copy(InputStream in, ByteArrayOutputStream kept, long bytes, int max) throws IOException {
        byte[] buffer = new byte[8192];
        long left = bytes;
        while (left > 0 && kept.size() < max) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, Math.min(left, max - kept.size())));
            if (n < 0) {
                return;
            }
            kept.write(buffer, 0, n);
            left -= n;
        }
    }

    /** One line of the answer's head, without its line end; "" at the end of the input. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (line.size() >= MAX_HEAD) {
                throw new IOException("the answer's head is larger than " + MAX_HEAD + " bytes");
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }
}
