package dev.magnet.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client that writes exactly the bytes it is given: any method, any request target, header values a
 * library would refuse, a body of any size. One request per connection ({@code Connection: close}), so a server that
 * closes the connection after a refusal cannot fail the next request.
 *
 * <p>The body is written on a thread of its own while the answer is read, so a server that answers before it has read
 * the whole body (413, 431) is heard. An event stream's body is not read: the answer is its status and headers.
 */
public final class RawHttp {
    private static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    private RawHttp() {
    }

    /**
     * One request.
     *
     * @param target  the request target exactly as sent (path and query, already encoded or deliberately not)
     * @param headers in order; {@code Host}, {@code Connection} and {@code Content-Length} are added
     * @param body    null for none
     */
    public record Request(String method, String target, List<Map.Entry<String, String>> headers, byte[] body) {
        public Request {
            headers = List.copyOf(headers);
        }
    }

    /** An answer: the status, the headers by lower-case name, and the body (empty for an event stream). */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends the request to 127.0.0.1:{@code port} and reads the answer.
     *
     * @throws IOException when the connection fails or closes before a whole answer arrived, or no byte arrives
     *                     within {@code timeout}
     */
    public static Response send(int port, Request request, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            byte[] head = head(port, request);
            OutputStream out = socket.getOutputStream();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(head);
                    if (request.body() != null) {
                        out.write(request.body());
                    }
                    out.flush();
                } catch (IOException e) {
                    // why: the server may answer and close before it read everything (413, 431); the answer is read below
                }
            });
            try {
                return read(new BufferedInputStream(socket.getInputStream(), 64 * 1024), request.method());
            } finally {
                writer.interrupt();
            }
        }
    }

    private static byte[] head(int port, Request request) {
        StringBuilder head = new StringBuilder();
        head.append(request.method()).append(' ').append(request.target()).append(" HTTP/1.1\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        head.append("Connection: close\r\n");
        for (Map.Entry<String, String> h : request.headers()) {
            head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        if (request.body() != null) {
            head.append("Content-Length: ").append(request.body().length).append("\r\n");
        }
        head.append("\r\n");
        return head.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Response read(InputStream in, String method) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("the server closed the connection without an answer");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(h.substring(colon + 1).trim());
            }
        }
        Response bodiless = new Response(status, headers, new byte[0]);
        String type = bodiless.header("content-type");
        if (method.equals("HEAD") || status == 204 || status == 304 || status < 200
                || (type != null && type.startsWith("text/event-stream"))) {
            return bodiless;
        }
        if ("chunked".equalsIgnoreCase(bodiless.header("transfer-encoding"))) {
            return new Response(status, headers, chunked(in));
        }
        String length = bodiless.header("content-length");
        if (length != null) {
            return new Response(status, headers, exactly(in, Integer.parseInt(length)));
        }
        return new Response(status, headers, upTo(in, MAX_BODY_BYTES));
    }

    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            if (size == null) {
                throw new IOException("the chunked body ended early");
            }
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (n == 0) {
                for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                    // trailers are not kept
                }
                return body.toByteArray();
            }
            if (body.size() + n > MAX_BODY_BYTES) {
                throw new IOException("the answer is larger than " + MAX_BODY_BYTES + " bytes");
            }
            body.write(exactly(in, n));
            line(in);
        }
    }

    private static byte[] exactly(InputStream in, int n) throws IOException {
        if (n > MAX_BODY_BYTES) {
            throw new IOException("the answer is larger than " + MAX_BODY_BYTES + " bytes");
        }
        byte[] out = in.readNBytes(n);
        if (out.length < n) {
            throw new IOException("the body ended after " + out.length + " of " + n + " bytes");
        }
        return out;
    }

    private static byte[] upTo(InputStream in, int max) throws IOException {
        return in.readNBytes(max);
    }

    /** A CRLF- (or LF-) terminated line as ISO-8859-1, without its terminator; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
