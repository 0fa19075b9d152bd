package dev.magnet.events;

import dev.magnet.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Objects;

/**
 * A persisted event: its place in the session's log ({@code seq}, from 1), type, time and data.
 *
 * <p>The data is kept as the (redacted) JSON the log stored. The wire form clients see, {@code {seq, sessionId, type,
 * at, data}}, and the SSE frame are written once, on first use, and shared by every reader; the data is read back
 * into a map only for the few callers that look inside it.
 */
public final class Event {
    private final long seq;
    private final String sessionId;
    private final EventType type;
    private final Instant at;
    private final String dataJson;
    private volatile Map<String, Object> data;
    private volatile String json;
    private volatile byte[] frame;

    /**
     * @param at       truncated to microseconds, the precision the database keeps, so an event read from memory and
     *                 the same event read from the log say the same time
     * @param dataJson the event's data as stored: a JSON object
     */
    public Event(long seq, String sessionId, EventType type, Instant at, String dataJson) {
        this.seq = seq;
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
        this.type = Objects.requireNonNull(type, "type");
        this.at = at.truncatedTo(ChronoUnit.MICROS);
        this.dataJson = Objects.requireNonNull(dataJson, "dataJson");
    }

    /** An event whose data is given as a map (tests, and events made in memory). */
    public static Event of(long seq, String sessionId, EventType type, Instant at, Map<String, Object> data) {
        return new Event(seq, sessionId, type, at, Json.write(data));
    }

    public long seq() {
        return seq;
    }

    public String sessionId() {
        return sessionId;
    }

    public EventType type() {
        return type;
    }

    public Instant at() {
        return at;
    }

    /** The data as stored (redacted JSON). */
    public String dataJson() {
        return dataJson;
    }

    /** The data read back as a map, once (for callers that look inside; the hot path never does). */
    public Map<String, Object> data() {
        Map<String, Object> read = data;
        if (read == null) {
            read = Json.readMap(dataJson);
            data = read;
        }
        return read;
    }

    /** The JSON object clients see: {@code {"seq":…,"sessionId":…,"type":…,"at":…,"data":{…}}}, written once. */
    public String json() {
        String written = json;
        if (written == null) {
            // why: the stored data is already JSON; it is spliced in, never parsed and written again
            written = "{\"seq\":" + seq + ",\"sessionId\":" + Json.write(sessionId) + ",\"type\":\"" + type.wire()
                    + "\",\"at\":\"" + at + "\",\"data\":" + dataJson + "}";
            json = written;
        }
        return written;
    }

    /** The event as one SSE frame ({@code id}, {@code event}, {@code data}), in UTF-8, written once. */
    public byte[] sseFrame() {
        byte[] written = frame;
        if (written == null) {
            written = ("id: " + seq + "\nevent: " + type.wire() + "\ndata: " + json() + "\n\n").getBytes(StandardCharsets.UTF_8);
            frame = written;
        }
        return written;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Event e && e.seq == seq && e.sessionId.equals(sessionId) && e.type == type && e.at.equals(at)
                && e.dataJson.equals(dataJson);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, sessionId, type, at, dataJson);
    }

    @Override
    public String toString() {
        return "Event[" + json() + "]";
    }
}
