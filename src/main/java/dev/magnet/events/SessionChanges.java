package dev.magnet.events;

import dev.magnet.store.Notifications;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which sessions changed in a way a list of sessions shows (created, a status or phase, a message, the agent's text, a
 * turn's result, a pull request, an error), whichever server wrote the change: this server's own events come from its
 * {@link EventHub}, the other servers' (on one PostgreSQL database) from a notification on {@value #CHANNEL}, which
 * {@link EventLog#publish} sends after the commit. A notification only wakes: a listener reads the session itself.
 */
public final class SessionChanges {
    /** The channel the servers tell each other about changed sessions on; payload {@code <session>:<seq>}, several joined with {@code ,}. */
    public static final String CHANNEL = "magnet_session_changes";
    private static final Set<EventType> CHANGES = Set.of(EventType.STATUS, EventType.USER_MESSAGE, EventType.TEXT,
            EventType.TURN_RESULT, EventType.PR, EventType.ERROR);

    /** Told of changed sessions; called on the thread that learnt of them, so it must only take note. */
    public interface Listener {
        void changed(String sessionId);

        /** Changes made on other servers may have gone unheard (the listening connection was lost): any session may have changed. */
        void missedSome();
    }

    /** How many sessions' last locally published change are remembered, to know this server's own notifications. */
    private static final int REMEMBERED = 10_000;

    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** By session, the seq of the last change this server published; the oldest are forgotten past {@value #REMEMBERED}. */
    private final Map<String, Long> publishedHere = java.util.Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REMEMBERED;
        }
    });

    /** Follows this server's events in {@code hub}; call {@link #followOtherServers} too for the other servers'. */
    public SessionChanges(EventHub hub) {
        if (hub == null) {
            throw new IllegalArgumentException("SessionChanges needs the server's EventHub");
        }
        hub.listen(this::published);
    }

    /** True when an event of this type changes what a list of sessions shows. */
    public static boolean isChange(EventType type) {
        return CHANGES.contains(type);
    }

    /** Subscribes to the other servers' changes; call before {@link Notifications#start()}. Nothing happens with one server. */
    public void followOtherServers(Notifications notifications) {
        notifications.subscribe(CHANNEL, new Notifications.Listener() {
            @Override
            public void heard(String payload) {
                SessionChanges.this.heard(payload);
            }

            @Override
            public void missedSome() {
                listeners.forEach(Listener::missedSome);
            }
        });
    }

    /** Calls {@code listener} with every changed session from now on until the returned handle is closed. */
    public AutoCloseable listen(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void published(Collection<Event> events) {
        for (Event e : events) {
            if (isChange(e.type())) {
                publishedHere.merge(e.sessionId(), e.seq(), Math::max);
                tell(e.sessionId());
            }
        }
    }

    /** A notification of {@value #CHANNEL}: {@code <session>:<seq>}, several joined with {@code ,}. */
    void heard(String payload) {
        Notifications.entries(payload, this::heardOf);
    }

    /**
     * A change heard from the database: told unless this server published it itself (PostgreSQL delivers a server's
     * notifications to its own listener too, and the listeners were told already).
     */
    private void heardOf(String sessionId, long seq) {
        Long here = publishedHere.get(sessionId);
        if (here == null || seq > here) {
            tell(sessionId);
        }
    }

    private void tell(String sessionId) {
        for (Listener l : listeners) {
            l.changed(sessionId);
        }
    }
}
