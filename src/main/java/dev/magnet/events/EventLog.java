package dev.magnet.events;

import dev.magnet.json.Json;
import dev.magnet.store.Notifications;
import dev.magnet.store.Reconnecting;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The append-only, numbered event log of each session (table {@code events}). Events are redacted and
 * persisted first; {@link EventHub} fans them out only after the transaction that wrote them commits. With several
 * servers on one PostgreSQL database, the other servers are then notified ({@value #CHANNEL}, payload
 * {@code <session id>:<last seq>}, several joined with {@code ,}, gathered for a few milliseconds by
 * {@link Notifications#soon}): their viewers wake and read the new events from the log.
 */
public final class EventLog {
    /** The notification channel of committed events. */
    public static final String CHANNEL = "magnet_events";
    /** How much of a message the session's previews keep. */
    public static final int PREVIEW_CHARS = 200;
    private final Reconnecting db;
    private final Notifications notifications;
    private final EventHub hub;
    private final Redactor redactor;
    private final Clock clock;
    private final EventTap tap;

    public EventLog(Jdbi jdbi, EventHub hub, Redactor redactor, Clock clock) {
        this(jdbi, hub, redactor, clock, Notifications.none(), EventTap.NONE);
    }

    /**
     * @param notifications wakes the other servers' viewers when events commit (none with one server)
     * @param tap           sees each batch of events inside the transaction that appends it (the outgoing webhooks)
     */
    public EventLog(Jdbi jdbi, EventHub hub, Redactor redactor, Clock clock, Notifications notifications, EventTap tap) {
        this.db = new Reconnecting(jdbi);
        this.notifications = notifications;
        this.tap = tap;
        this.hub = hub;
        this.redactor = redactor;
        this.clock = clock;
    }

    /**
     * Appends events inside the caller's transaction. The session row is locked so that concurrent writers
     * of one session take numbers one after the other; it keeps the last number ({@code last_seq}). Call
     * {@link #publish} after the commit.
     */
    public List<Event> append(Handle h, String sessionId, List<NewEvent> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        long seq = h.createQuery("select last_seq from sessions where id = :id for update")
                .bind("id", sessionId).mapTo(Long.class).one();
        Instant at = clock.instant();
        List<Event> written = new ArrayList<>(events.size());
        int said = 0;
        String first = null;
        String last = null;
        PreparedBatch insert = h.prepareBatch(
                "insert into events (session_id, seq, type, data, created_at) values (:s, :seq, :type, :data, :at)");
        for (NewEvent e : events) {
            seq++;
            Event event = new Event(seq, sessionId, e.type(), at, redactor.redact(Json.write(e.data())));
            insert.bind("s", sessionId)
                    .bind("seq", seq)
                    .bind("type", e.type().wire())
                    .bind("data", event.dataJson())
                    .bind("at", event.at())
                    .add();
            written.add(event);
            String text = conversationText(e.data());
            if (text != null) {
                said++;
                String preview = preview(redactor.redact(text));
                if (first == null && e.data() instanceof EventData.UserMessage) {
                    first = preview;
                }
                last = preview.isEmpty() ? last : preview;
            }
        }
        insert.execute();
        h.createUpdate("""
                        update sessions set last_seq = :seq, conversation_count = conversation_count + :said,
                          first_message_preview = coalesce(first_message_preview, cast(:first as varchar(300))),
                          last_message_preview = coalesce(cast(:last as varchar(300)), last_message_preview)
                        where id = :id""")
                .bind("seq", seq).bind("said", said).bind("first", first).bind("last", last).bind("id", sessionId).execute();
        tap.appended(h, sessionId, written);
        return written;
    }

    /**
     * Subscribes this server's viewers to the events other servers commit: a notification wakes the session's
     * readers here, who read the log; after the listening connection was lost, every reader re-reads.
     */
    public void followOtherServers() {
        notifications.subscribe(CHANNEL, new Notifications.Listener() {
            @Override
            public void heard(String payload) {
                Notifications.entries(payload, hub::heard);
            }

            @Override
            public void missedSome() {
                hub.pokeAll();
            }
        });
    }

    /**
     * The text an event adds to the conversation (a user message, the agent's text, a turn's result), or null for an
     * event that is not part of it; the session row counts these and keeps the first and last as previews.
     */
    static String conversationText(EventData data) {
        return switch (data) {
            case EventData.UserMessage m -> java.util.Objects.requireNonNullElse(m.text(), "");
            case EventData.Text t -> java.util.Objects.requireNonNullElse(t.text(), "");
            case EventData.TurnResult r -> java.util.Objects.requireNonNullElse(r.success() ? r.result() : r.message(), "");
            default -> null;
        };
    }

    private static String preview(String text) {
        String oneLine = text == null ? "" : text.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= PREVIEW_CHARS ? oneLine : oneLine.substring(0, PREVIEW_CHARS - 1) + "…";
    }

    /** Appends in a transaction of its own and fans out. */
    public List<Event> appendAndPublish(String sessionId, List<NewEvent> events) {
        List<Event> written = db.inTransaction(h -> append(h, sessionId, events));
        publish(written);
        return written;
    }

    /**
     * Hands committed events to this server's readers and has the other servers' readers woken, and their workspace
     * streams told of the sessions whose listed state changed ({@link SessionChanges}).
     */
    public void publish(List<Event> events) {
        hub.publish(events);
        for (Event e : events) {
            notifications.soon(CHANNEL, e.sessionId(), e.seq());
            if (SessionChanges.isChange(e.type())) {
                notifications.soon(SessionChanges.CHANNEL, e.sessionId(), e.seq());
            }
        }
    }

    /** The session ended: live readers need its events in memory no longer (they read the log). */
    public void ended(String sessionId) {
        hub.ended(sessionId);
    }

    /** Up to {@code limit} events with a sequence number above {@code afterSeq}, in order. */
    public List<Event> after(String sessionId, long afterSeq, int limit) {
        return db.withHandle(h -> after(h, sessionId, afterSeq, limit, null));
    }

    /** Events of the given types, in order (for the conversation view). */
    public List<Event> ofTypes(String sessionId, List<EventType> types) {
        return db.withHandle(h -> after(h, sessionId, 0, Integer.MAX_VALUE, types));
    }

    public long lastSeq(String sessionId) {
        return db.withHandle(h -> h.createQuery("select last_seq from sessions where id = :id")
                .bind("id", sessionId).mapTo(Long.class).findOne().orElse(0L));
    }

    private static List<Event> after(Handle h, String sessionId, long afterSeq, int limit, List<EventType> types) {
        String typeFilter = types == null ? "" : " and type in (<types>)";
        var query = h.createQuery("select seq, type, data, created_at from events where session_id = :id and seq > :after"
                        + typeFilter + " order by seq limit :limit")
                .bind("id", sessionId)
                .bind("after", afterSeq)
                .bind("limit", limit);
        if (types != null) {
            query.bindList("types", types.stream().map(EventType::wire).toList());
        }
        return query.map((rs, ctx) -> new Event(rs.getLong("seq"), sessionId, EventType.fromWire(rs.getString("type")),
                        rs.getTimestamp("created_at").toInstant(), rs.getString("data")))
                .list();
    }
}
