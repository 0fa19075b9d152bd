package dev.magnet.session;

import dev.magnet.events.Event;
import dev.magnet.events.EventLog;
import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Changes a session and appends its events in one transaction, then fans the events out. A status or
 * phase change always comes with its {@code status} event. Used by the service and the runner alike.
 */
public final class SessionStore {
    private final Jdbi jdbi;
    private final SessionRepository sessions;
    private final MessageRepository messages;
    private final EventLog events;
    private final Clock clock;

    public SessionStore(Jdbi jdbi, SessionRepository sessions, MessageRepository messages, EventLog events, Clock clock) {
        this.jdbi = jdbi;
        this.sessions = sessions;
        this.messages = messages;
        this.events = events;
        this.clock = clock;
    }

    /** What a change did: the stored session and the events it appended. */
    public record Change(Session session, List<Event> events) {
    }

    /** The work of one transaction on one locked session. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Handle h, Session locked, Writer writer);
    }

    /** Lets a unit of work change the session and append events inside the transaction. */
    public final class Writer {
        private final Handle handle;
        private Session current;
        private final List<Event> appended = new ArrayList<>();

        private Writer(Handle handle, Session current) {
            this.handle = handle;
            this.current = current;
        }

        /** Stores the session's new state, with a {@code status} event when its status or phase moved. */
        public Session save(Session next) {
            Session before = current;
            current = sessions.update(handle, next);
            if (before.status() != next.status() || before.phase() != next.phase()
                    || next.history().size() > before.history().size()) {
                appended.addAll(events.append(handle, next.id(), List.of(statusEvent(next))));
            }
            return current;
        }

        public List<Event> append(List<NewEvent> more) {
            List<Event> written = events.append(handle, current.id(), more);
            appended.addAll(written);
            return written;
        }

        public Session current() {
            return current;
        }
    }

    public Clock clock() {
        return clock;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public SessionRepository sessions() {
        return sessions;
    }

    public MessageRepository messages() {
        return messages;
    }

    public EventLog events() {
        return events;
    }

    /**
     * Runs {@code work} on the locked session in one transaction and publishes its events after the commit.
     *
     * @return the work's result, or empty when the session does not exist
     */
    public <T> Optional<T> withLocked(String sessionId, Work<T> work) {
        List<Event> toPublish = new ArrayList<>();
        Optional<T> result = jdbi.inTransaction(h -> {
            Optional<Session> found = sessions.find(h, sessionId, true);
            if (found.isEmpty()) {
                return Optional.<T>empty();
            }
            Writer writer = new Writer(h, found.get());
            T value = work.apply(h, found.get(), writer);
            toPublish.addAll(writer.appended);
            return Optional.ofNullable(value);
        });
        events.publish(toPublish);
        return result;
    }

    /** Applies a transition to the locked session if {@code when} holds; the new session, or empty. */
    public Optional<Session> change(String sessionId, Function<Session, Boolean> when, UnaryOperator<Session> transition) {
        return withLocked(sessionId, (h, s, w) -> when.apply(s) ? w.save(transition.apply(s)) : null);
    }

    /** Appends events in a transaction of their own and publishes them. */
    public List<Event> append(String sessionId, List<NewEvent> more) {
        return events.appendAndPublish(sessionId, more);
    }

    /** The {@code status} event that announces a session's current status and phase. */
    public static NewEvent statusEvent(Session s) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("status", s.status().wire());
        data.put("phase", s.phase().wire());
        PhaseChange last = s.history().isEmpty() ? null : s.history().get(s.history().size() - 1);
        data.put("reason", last == null ? null : last.reason());
        if (s.failure() != null) {
            data.put("message", s.failure().message());
            data.put("failure", Map.of("reason", s.failure().reason().wire(), "message", s.failure().message(),
                    "phase", s.failure().phase().wire()));
        }
        return NewEvent.of(EventType.STATUS, data);
    }
}
