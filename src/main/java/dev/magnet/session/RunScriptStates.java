package dev.magnet.session;

import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Each session's run script state (table {@code session_run_scripts}). */
final class RunScriptStates {

    void save(Handle h, String sessionId, RunScriptState s) {
        h.createUpdate("delete from session_run_scripts where session_id = :id").bind("id", sessionId).execute();
        h.createUpdate("""
                insert into session_run_scripts (session_id, state, exit_code, preview_port, updated_at)
                values (:id, :state, :code, :port, :at)
                """)
                .bind("id", sessionId)
                .bind("state", s.state().wire())
                .bind("code", s.exitCode())
                .bind("port", s.previewPort())
                .bind("at", s.at())
                .execute();
    }

    Optional<RunScriptState> find(Handle h, String sessionId) {
        return h.createQuery("select state, exit_code, preview_port, updated_at from session_run_scripts where session_id = :id")
                .bind("id", sessionId)
                .map((rs, ctx) -> {
                    int code = rs.getInt(2);
                    Integer exit = rs.wasNull() ? null : code;
                    int p = rs.getInt(3);
                    Integer port = rs.wasNull() ? null : p;
                    return new RunScriptState(RunScriptState.State.fromWire(rs.getString(1)), exit, port, rs.getTimestamp(4).toInstant());
                })
                .findOne();
    }
}
