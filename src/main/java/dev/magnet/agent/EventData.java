package dev.magnet.agent;

import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the data map of one event in a fixed key order; documented keys may hold null. */
final class EventData {
    private final Map<String, Object> values = new LinkedHashMap<>();

    static EventData create() {
        return new EventData();
    }

    EventData put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    EventData putIfPresent(String key, Object value) {
        if (value != null) {
            values.put(key, value);
        }
        return this;
    }

    NewEvent as(EventType type) {
        return NewEvent.of(type, Collections.unmodifiableMap(values));
    }
}
