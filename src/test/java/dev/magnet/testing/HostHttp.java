package dev.magnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** GET over a plain socket with any Host header (the preview proxy routes by it), read to the connection's end. */
public final class HostHttp {
    private HostHttp() {
    }

    /** An answer: status, header fields (lower-case names, last one wins) and body. */
    public record Answer(int status, Map<String, String> headers, byte[] bytes) {
        public String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    public static Answer get(int port, String host, String target, Map<String, String> headers) {
        try (Socket s = send(port, host, target, headers)) {
            return parse(s.getInputStream().readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a GET and reads the answer to its end without keeping it; the number of bytes read (head included). */
    public static long drain(int port, String host, String target, Map<String, String> headers) {
        try (Socket s = send(port, host, target, headers)) {
            byte[] buffer = new byte[256 * 1024];
            long total = 0;
            int n;
            while ((n = s.getInputStream().read(buffer)) >= 0) {
                total += n;
            }
            return total;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects to 127.0.0.1:{@code port} and sends the GET (asking the server to close after its answer). */
    private static Socket send(int port, String host, String target, Map<String, String> headers) throws IOException {
        StringBuilder req = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n");
        headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("Connection: close\r\n\r\n");
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(60_000);
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private static Answer parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalStateException("no HTTP head in: " + text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, c).toLowerCase(Locale.ROOT), lines[i].substring(c + 1).strip());
        }
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, Arrays.copyOfRange(raw, end + 4, raw.length));
    }
}
