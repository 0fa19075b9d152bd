package dev.magnet.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The frames of one open {@code text/event-stream} response, read as they arrive. It notes when
 * it last received anything (heartbeats included), so a watchdog can {@link #close()} a
 * connection that went silent, which makes a blocked {@link #next()} fail.
 */
final class EventStream implements Closeable {

    private final InputStream body;
    private final Reader reader;
    private final SseParser parser = new SseParser();
    private final Deque<SseFrame> ready = new ArrayDeque<>();
    private final char[] buffer = new char[8192];
    private volatile long lastReceivedNanos = System.nanoTime();
    private volatile boolean receivedAnything;

    EventStream(InputStream body) {
        this.body = body;
        this.reader = new InputStreamReader(body, StandardCharsets.UTF_8);
    }

    /**
     * The next frame, blocking until one is complete.
     *
     * @return the frame, or null when the server ended the response
     * @throws IOException when the connection broke or was closed
     */
    SseFrame next() throws IOException {
        while (ready.isEmpty()) {
            int read = reader.read(buffer);
            if (read < 0) {
                return null;
            }
            lastReceivedNanos = System.nanoTime();
            receivedAnything = true;
            ready.addAll(parser.feed(CharBuffer.wrap(buffer, 0, read)));
        }
        return ready.poll();
    }

    /** How long ago anything arrived (or the stream was opened, if nothing has). */
    Duration silence() {
        return Duration.ofNanos(System.nanoTime() - lastReceivedNanos);
    }

    /** Whether any bytes arrived on this connection, heartbeats included. */
    boolean receivedAnything() {
        return receivedAnything;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException ignored) {
            // why: closing is how a stalled connection is abandoned; there is nothing left to save
        }
    }
}
