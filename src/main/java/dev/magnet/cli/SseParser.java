package dev.magnet.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * An incremental parser of {@code text/event-stream} (the WHATWG HTML "server-sent events"
 * format). Text is fed as it arrives, in pieces of any size; a frame is returned once its closing
 * blank line has been read. A leading byte order mark is skipped. Lines end with LF, CRLF or CR; lines starting with {@code :} are
 * comments (heartbeats) and are skipped; {@code data:} lines accumulate, joined with LF.
 *
 * <p>Unlike a browser, a frame without {@code data:} lines is still returned when it had an
 * {@code event:} or {@code id:} field, so that an {@code end} frame is never lost. Not thread-safe.
 */
final class SseParser {

    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private boolean started;
    private boolean afterCarriageReturn;
    private boolean hasData;
    private String event;
    private String id;

    /** Parses the next piece of the stream and returns the frames it completed, possibly none. */
    List<SseFrame> feed(CharSequence text) {
        List<SseFrame> frames = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!started) {
                started = true;
                if (c == '\uFEFF') {
                    continue;
                }
            }
            if (afterCarriageReturn && c == '\n') {
                afterCarriageReturn = false;
                continue;
            }
            afterCarriageReturn = c == '\r';
            if (c == '\r' || c == '\n') {
                endLine(frames);
            } else {
                line.append(c);
            }
        }
        return frames;
    }

    private void endLine(List<SseFrame> frames) {
        String text = line.toString();
        line.setLength(0);
        if (text.isEmpty()) {
            dispatch(frames);
        } else if (!text.startsWith(":")) {
            int colon = text.indexOf(':');
            String field = colon < 0 ? text : text.substring(0, colon);
            String value = colon < 0 ? "" : text.substring(colon + 1);
            field(field, value.startsWith(" ") ? value.substring(1) : value);
        }
    }

    private void field(String name, String value) {
        switch (name) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> event = value;
            case "id" -> {
                if (value.indexOf('\0') < 0) {
                    id = value;
                }
            }
            default -> {
                // why: "retry" and unknown fields are ignored; the follower has its own backoff
            }
        }
    }

    private void dispatch(List<SseFrame> frames) {
        if (hasData || event != null || id != null) {
            frames.add(new SseFrame(id, event == null || event.isEmpty() ? "message" : event, data.toString()));
        }
        data.setLength(0);
        hasData = false;
        event = null;
        id = null;
    }
}
