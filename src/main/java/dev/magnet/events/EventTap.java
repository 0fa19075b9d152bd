package dev.magnet.events;

import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * Sees every batch of events as it is appended, inside the transaction that writes them, so that what it writes
 * (the outgoing webhooks' deliveries) commits or rolls back with the events. Must not call out of the process.
 */
@FunctionalInterface
public interface EventTap {
    EventTap NONE = (h, sessionId, events) -> { };

    void appended(Handle h, String sessionId, List<Event> events);
}
