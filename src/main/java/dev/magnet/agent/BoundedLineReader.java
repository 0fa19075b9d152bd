package dev.magnet.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads {@code \n}-terminated UTF-8 lines from a stream, holding at most {@code maxBytes} of a line: a longer
 * line is refused with {@link LineTooLongException} as soon as it passes the bound, before its end arrives.
 * After that refusal the next {@link #readLine()} skips the rest of the long line, unread into memory. A
 * {@code \r} before the {@code \n} is dropped. Not thread-safe.
 */
final class BoundedLineReader implements AutoCloseable {
    private final InputStream in;
    private final int maxBytes;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;
    private byte[] line = new byte[1024];
    private int length;
    private boolean skipping;

    /** Thrown when a line is longer than the bound; {@link #maxBytes()} says how long a line may be. */
    static final class LineTooLongException extends IOException {
        private final int maxBytes;

        LineTooLongException(int maxBytes) {
            super("a line is longer than " + maxBytes + " bytes");
            this.maxBytes = maxBytes;
        }

        int maxBytes() {
            return maxBytes;
        }
    }

    /** @param maxBytes the longest line accepted, in bytes without its terminator */
    BoundedLineReader(InputStream in, long maxBytes) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        this.in = in;
        // why: a line is held in one byte array; Java arrays stop just short of 2 GiB
        this.maxBytes = (int) Math.min(maxBytes, Integer.MAX_VALUE - 8);
    }

    /**
     * The next line without its terminator; at the end of the stream, the unterminated rest if there is one.
     *
     * @return the line, or null at the end of the stream
     * @throws LineTooLongException when the line passes the bound (the rest of it is skipped by the next call)
     */
    String readLine() throws IOException {
        if (skipping && !skipToNextLine()) {
            return null;
        }
        length = 0;
        while (true) {
            if (position == limit && !fill()) {
                return length == 0 ? null : text();
            }
            int end = position;
            while (end < limit && buffer[end] != '\n') {
                end++;
            }
            append(end - position);
            boolean found = end < limit;
            position = found ? end + 1 : end;
            if (found) {
                return text();
            }
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void append(int count) throws LineTooLongException {
        if ((long) length + count > maxBytes) {
            skipping = true;
            position += count;
            length = 0;
            throw new LineTooLongException(maxBytes);
        }
        if (length + count > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(maxBytes, Math.max((long) line.length * 2, length + count)));
        }
        System.arraycopy(buffer, position, line, length, count);
        length += count;
    }

    private String text() {
        int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
        return new String(line, 0, end, StandardCharsets.UTF_8);
    }

    /** Discards up to and including the next {@code \n}; false when the stream ends first. */
    private boolean skipToNextLine() throws IOException {
        while (true) {
            if (position == limit && !fill()) {
                return false;
            }
            while (position < limit) {
                if (buffer[position++] == '\n') {
                    skipping = false;
                    return true;
                }
            }
        }
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer);
        if (n <= 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }
}
