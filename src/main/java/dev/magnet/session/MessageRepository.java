package dev.magnet.session;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.jdbi.v3.core.Handle;

/** The {@code session_messages} table: prompts and follow-ups with their delivery state. */
public final class MessageRepository {

    public void insert(Handle h, SessionMessage m) {
        h.createUpdate("""
                insert into session_messages (id, session_id, author_id, text, state, created_at)
                values (:id, :sessionId, :authorId, :text, :state, :createdAt)
                """)
                .bind("id", m.id())
                .bind("sessionId", m.sessionId())
                .bind("authorId", m.author().id())
                .bind("text", m.text())
                .bind("state", m.state().name().toLowerCase(Locale.ROOT))
                .bind("createdAt", m.createdAt())
                .execute();
    }

    /** The messages not yet taken by the agent, oldest first. */
    public List<SessionMessage> queued(Handle h, String sessionId) {
        return h.createQuery("""
                select m.id, m.session_id, m.author_id, u.name as author_name, u.email as author_email, m.text, m.state, m.created_at
                from session_messages m join users u on u.id = m.author_id
                where m.session_id = :sessionId and m.state = 'queued'
                order by m.id
                """)
                .bind("sessionId", sessionId)
                .map((rs, ctx) -> new SessionMessage(rs.getString("id"), rs.getString("session_id"),
                        new Author(rs.getString("author_id"), rs.getString("author_name"), rs.getString("author_email")), rs.getString("text"),
                        SessionMessage.State.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)),
                        rs.getTimestamp("created_at").toInstant()))
                .list();
    }

    /** Marks a queued message delivered; true when it was queued (so the caller announces it once). */
    public boolean markDelivered(Handle h, String messageId, Instant at) {
        return h.createUpdate("""
                update session_messages set state = 'delivered', delivered_at = :at
                where id = :id and state = 'queued'
                """)
                .bind("id", messageId)
                .bind("at", at)
                .execute() == 1;
    }
}
