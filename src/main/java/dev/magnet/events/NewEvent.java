package dev.magnet.events;

import dev.magnet.json.Json;
import java.util.Map;
import java.util.Objects;

/** An event about to be appended to a session's log: what it says ({@link EventData}). The log gives it a number. */
public record NewEvent(EventType type, EventData data) {
    public NewEvent {
        Objects.requireNonNull(data, "data");
        if (type != data.type()) {
            throw new IllegalArgumentException("a " + data.getClass().getSimpleName() + " is a " + data.type().wire()
                    + " event, not " + type.wire());
        }
    }

    public static NewEvent of(EventData data) {
        return new NewEvent(data.type(), data);
    }

    /** The data as clients see it: its JSON, read back as a map (for checks and tests, not for hot paths). */
    public Map<String, Object> wire() {
        return Json.readMap(Json.write(data));
    }
}
