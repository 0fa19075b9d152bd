package dev.magnet.preview;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The head of an HTTP/1.1 request or response as the preview proxy reads it: the start line and the header fields in
 * order. Anything ambiguous about where a message ends is refused ({@link Malformed}): folded lines, a body length given
 * twice or both ways, a transfer coding other than {@code chunked}.
 */
record HttpHead(String startLine, List<Field> fields) {
    static final int MAX_BYTES = 64 * 1024;
    private static final int MAX_FIELDS = 200;

    /** One header field. */
    record Field(String name, String value) {
        boolean is(String other) {
            return name.equalsIgnoreCase(other);
        }
    }

    /** A head that cannot be forwarded safely. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

    /** Reads a head; empty at the end of the input before any byte of one. */
    static Optional<HttpHead> read(InputStream in) throws IOException {
        int[] budget = {MAX_BYTES};
        String start = line(in, budget);
        if (start == null) {
            return Optional.empty();
        }
        List<Field> fields = new ArrayList<>();
        while (true) {
            String line = line(in, budget);
            if (line == null) {
                throw new Malformed("the head ended early");
            }
            if (line.isEmpty()) {
                return Optional.of(new HttpHead(start, fields));
            }
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw new Malformed("folded header lines are not accepted");
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || fields.size() >= MAX_FIELDS) {
                throw new Malformed("a header line without a name, or too many of them");
            }
            String name = line.substring(0, colon);
            if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new Malformed("a header name with characters HTTP does not allow");
            }
            fields.add(new Field(name, line.substring(colon + 1).strip()));
        }
    }

    /** One line without its CRLF (or LF); null at the end of the input before any byte of it. */
    static String line(InputStream in, int[] budget) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        boolean any = false;
        while ((b = in.read()) >= 0) {
            any = true;
            if (--budget[0] < 0) {
                throw new Malformed("the head is larger than " + MAX_BYTES + " bytes");
            }
            if (b == '\n') {
                byte[] bytes = out.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                String s = new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
                if (s.indexOf('\r') >= 0 || s.indexOf('\0') >= 0) {
                    throw new Malformed("a bare CR or NUL in the head");
                }
                return s;
            }
            out.write(b);
        }
        if (any) {
            throw new Malformed("the head ended early");
        }
        return null;
    }

    Optional<String> value(String name) {
        return fields.stream().filter(f -> f.is(name)).map(Field::value).findFirst();
    }

    List<String> values(String name) {
        return fields.stream().filter(f -> f.is(name)).map(Field::value).toList();
    }

    /** True when a field lists {@code token} (comma-separated, any case), as {@code Connection: keep-alive, Upgrade}. */
    boolean lists(String name, String token) {
        return values(name).stream().flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .anyMatch(t -> t.strip().equalsIgnoreCase(token));
    }

    /** How the body after this head is framed. */
    sealed interface Body {
        /** No body. */
        record None() implements Body {
        }

        /** {@code Content-Length} bytes. */
        record Length(long bytes) implements Body {
        }

        /** {@code Transfer-Encoding: chunked}. */
        record Chunked() implements Body {
        }
    }

    /** The framing of a request's body (a request without either field has none). */
    Body requestBody() throws Malformed {
        List<String> lengths = values("Content-Length");
        List<String> codings = values("Transfer-Encoding");
        if (!codings.isEmpty()) {
            if (!lengths.isEmpty() || codings.size() > 1 || !codings.get(0).equalsIgnoreCase("chunked")) {
                throw new Malformed("only Transfer-Encoding: chunked alone is accepted");
            }
            return new Body.Chunked();
        }
        if (lengths.isEmpty()) {
            return new Body.None();
        }
        if (lengths.size() > 1 || !lengths.get(0).matches("[0-9]{1,18}")) {
            throw new Malformed("one Content-Length, a number");
        }
        long n = Long.parseLong(lengths.get(0));
        return n == 0 ? new Body.None() : new Body.Length(n);
    }

    void write(OutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder(startLine).append("\r\n");
        for (Field f : fields) {
            sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The status code of a response head, or -1. */
    int status() {
        String[] parts = startLine.split(" ", 3);
        return parts.length >= 2 && parts[1].matches("[0-9]{3}") ? Integer.parseInt(parts[1]) : -1;
    }

    String method() {
        return startLine.split(" ", 2)[0];
    }

    /** The request target (origin form). */
    String target() {
        String[] parts = startLine.split(" ");
        return parts.length == 3 ? parts[1] : "";
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
