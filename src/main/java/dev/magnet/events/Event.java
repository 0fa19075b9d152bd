package dev.magnet.events;

import java.time.Instant;
import java.util.Map;

/** A persisted event: its place in the session's log ({@code seq}, from 1), type, time and data. */
public record Event(long seq, String sessionId, EventType type, Instant at, Map<String, Object> data) {

    /** The JSON shape clients see: {@code {seq, sessionId, type, at, data}}. */
    public Map<String, Object> toJson() {
        return Map.of("seq", seq, "sessionId", sessionId, "type", type.wire(), "at", at.toString(), "data", data);
    }
}
