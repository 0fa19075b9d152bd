package dev.magnet.sandbox.kubernetes;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * What the pod shim ({@link PodShim}) and Magnet's pod gateway ({@link PodGateway}) say to each other; java.base only,
 * as the shim is built from its own two files.
 *
 * <p>Every connection opens with one ASCII line from the shim, {@code magnet-shim 2 <kind> <token> <argument>}. The
 * server that holds the token's session answers {@code ok}; another server with a valid token answers
 * {@code refused <reason>} ({@link #NOT_HOLDER}, {@link #STALE_POD}, {@link #BUSY}) and closes, and the shim tries the next
 * server; a bad token is closed on without a word. On the control connection Magnet sends {@code start <channel>},
 * {@code killall} and {@code ping} lines and the shim sends {@code ping} lines. A {@code process} connection then carries,
 * from Magnet, the argv and the environment (counts and length-prefixed UTF-8 strings), then frames both ways: one type
 * byte, a 4-byte length, the payload.
 */
final class ShimProtocol {
    static final String VERSION = "2";
    static final String OK = "ok\n";
    /** Refusals: this server does not hold the session; the token is of an earlier pod; the shim is connected already. */
    static final String NOT_HOLDER = "not-holder";
    static final String STALE_POD = "stale-pod";
    static final String BUSY = "busy";
    static final String PING_LINE = "ping";
    /** How often each side of a control connection says it is alive, and how long the other waits before giving up. */
    static final java.time.Duration PING = java.time.Duration.ofSeconds(5);
    static final java.time.Duration DEAD_AFTER = java.time.Duration.ofSeconds(20);
    static final String CONTROL = "control";
    static final String PROCESS = "process";
    static final String TUNNEL = "tunnel";
    static final String MODEL = "model";
    static final String PROXY = "proxy";

    /** Frames from Magnet to the shim. */
    static final byte STDIN = 'I';
    static final byte CLOSE_STDIN = 'C';
    static final byte KILL = 'K';
    /** Frames from the shim to Magnet. */
    static final byte STARTED = 'S';
    static final byte FAILED = 'F';
    static final byte STDOUT = 'O';
    static final byte STDERR = 'E';
    static final byte EXIT = 'X';

    static final int MAX_LINE = 512;
    static final int MAX_FRAME = 1 << 20;
    static final int MAX_STRING = 4 << 20;

    private ShimProtocol() {
    }

    static String hello(String kind, String token, String argument) {
        return "magnet-shim " + VERSION + " " + kind + " " + token + " " + argument + "\n";
    }

    /** One line of at most {@link #MAX_LINE} bytes without its newline, or null at the end of the stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (line.size() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        if (b < 0 && line.size() == 0) {
            return null;
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    static void writeFrame(DataOutputStream out, byte type, byte[] payload) throws IOException {
        synchronized (out) {
            out.writeByte(type);
            out.writeInt(payload.length);
            out.write(payload);
            out.flush();
        }
    }

    static byte[] readPayload(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("frame of " + length + " bytes");
        }
        return in.readNBytes(length);
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_STRING) {
            throw new IOException("string of " + length + " bytes");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
