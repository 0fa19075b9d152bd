package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;

/**
 * One event of a session's log (SPEC §3): its sequence number, type and type-specific data.
 *
 * @param data the event's fields, e.g. {@code {"text": …}} for {@code text}; never null
 */
record SessionEvent(long seq, String sessionId, String type, Instant at, JsonNode data) {

    SessionEvent {
        type = type == null ? "" : type;
        data = data == null || data.isNull() ? JsonNodeFactory.instance.objectNode() : data;
    }

    /** Reads the event from its JSON (one SSE {@code data:} payload). */
    static SessionEvent parse(String json) {
        return ClientJson.read(json, SessionEvent.class);
    }
}
