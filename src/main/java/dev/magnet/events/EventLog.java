package dev.magnet.events;

import dev.magnet.json.Json;
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
 * persisted first; {@link EventHub} fans them out only after the transaction that wrote them commits.
 */
public final class EventLog {
    private final Reconnecting db;
    private final EventHub hub;
    private final Redactor redactor;
    private final Clock clock;
    private final EventTap tap;

    public EventLog(Jdbi jdbi, EventHub hub, Redactor redactor, Clock clock) {
        this(jdbi, hub, redactor, clock, EventTap.NONE);
    }

    /** @param tap sees each batch of events inside the transaction that appends it (the outgoing webhooks) */
    public EventLog(Jdbi jdbi, EventHub hub, Redactor redactor, Clock clock, EventTap tap) {
        this.db = new Reconnecting(jdbi);
        this.hub = hub;
        this.redactor = redactor;
        this.clock = clock;
        this.tap = tap;
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
        }
        insert.execute();
        h.createUpdate("update sessions set last_seq = :seq where id = :id").bind("seq", seq).bind("id", sessionId).execute();
        tap.appended(h, sessionId, written);
        return written;
    }

    /** Appends in a transaction of its own and fans out. */
    public List<Event> appendAndPublish(String sessionId, List<NewEvent> events) {
        List<Event> written = db.inTransaction(h -> append(h, sessionId, events));
        publish(written);
        return written;
    }

    public void publish(List<Event> events) {
        hub.publish(events);
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
