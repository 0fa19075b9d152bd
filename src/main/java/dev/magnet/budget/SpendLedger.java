package dev.magnet.budget;

import dev.magnet.gateway.ModelCall;
import dev.magnet.store.Ids;
import java.math.BigDecimal;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;

/** The record of every model request the relays forwarded and what it cost ({@code model_calls}). */
public final class SpendLedger {
    private final Jdbi jdbi;

    public SpendLedger(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    void record(String sessionId, String workspaceId, Instant at, ModelCall call, BigDecimal costUsd) {
        jdbi.useHandle(h -> h.createUpdate("""
                insert into model_calls (id, session_id, workspace_id, at, model, input_tokens, output_tokens,
                                         cache_write_tokens, cache_read_tokens, cost_usd)
                values (:id, :session, :workspace, :at, :model, :input, :output, :cacheWrite, :cacheRead, :cost)
                """)
                .bind("id", Ids.newId())
                .bind("session", sessionId)
                .bind("workspace", workspaceId)
                .bind("at", at)
                .bind("model", call.model())
                .bind("input", call.inputTokens())
                .bind("output", call.outputTokens())
                .bind("cacheWrite", call.cacheWriteTokens())
                .bind("cacheRead", call.cacheReadTokens())
                .bind("cost", costUsd)
                .execute());
    }

    /** What a session's model requests have cost, in US dollars. */
    public BigDecimal sessionCost(String sessionId) {
        return jdbi.withHandle(h -> h.createQuery("select coalesce(sum(cost_usd), 0) from model_calls where session_id = :s")
                .bind("s", sessionId).mapTo(BigDecimal.class).one());
    }

    /** What a workspace's model requests since {@code since} have cost, in US dollars. */
    public BigDecimal workspaceCostSince(String workspaceId, Instant since) {
        return jdbi.withHandle(h -> h.createQuery("""
                select coalesce(sum(cost_usd), 0) from model_calls where workspace_id = :w and at >= :since
                """)
                .bind("w", workspaceId).bind("since", since).mapTo(BigDecimal.class).one());
    }
}
