package dev.magnet.events;

import java.util.Map;
import java.util.Objects;

/**
 * An event about to be appended to a session's log: its type and its JSON-ready data
 * (a map of strings, numbers, booleans, lists and maps). The log gives it a sequence number.
 */
public record NewEvent(EventType type, Map<String, Object> data) {
    public NewEvent {
        Objects.requireNonNull(type, "type");
        data = data == null ? Map.of() : data;
    }

    public static NewEvent of(EventType type, Map<String, Object> data) {
        return new NewEvent(type, data);
    }
}
