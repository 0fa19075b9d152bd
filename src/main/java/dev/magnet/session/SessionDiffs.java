package dev.magnet.session;

import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The stored diff of each session's branch against its base (table {@code session_diffs}). */
public final class SessionDiffs {

    /** A stored diff: unified text and the per-file stats as JSON. */
    public record StoredDiff(String baseCommit, String headCommit, String diff, String filesJson, Instant updatedAt) {
    }

    public void save(Handle h, String sessionId, StoredDiff d) {
        h.createUpdate("delete from session_diffs where session_id = :id").bind("id", sessionId).execute();
        h.createUpdate("""
                insert into session_diffs (session_id, base_commit, head_commit, diff, files, updated_at)
                values (:id, :base, :head, :diff, :files, :at)
                """)
                .bind("id", sessionId)
                .bind("base", d.baseCommit())
                .bind("head", d.headCommit())
                .bind("diff", d.diff())
                .bind("files", d.filesJson())
                .bind("at", d.updatedAt())
                .execute();
    }

    public Optional<StoredDiff> find(Handle h, String sessionId) {
        return h.createQuery("select base_commit, head_commit, diff, files, updated_at from session_diffs where session_id = :id")
                .bind("id", sessionId)
                .map((rs, ctx) -> new StoredDiff(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getTimestamp(5).toInstant()))
                .findOne();
    }
}
