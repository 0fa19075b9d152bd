package dev.magnet.gateway;

import java.util.Optional;

/**
 * What the model relay asks before it forwards an agent's request, and tells after: whether the session may spend
 * more, and what a forwarded request used. Implemented by the budgets; the relay knows no prices.
 */
public interface Spending {
    /** Spending without limit, recording nothing. */
    Spending UNLIMITED = new Spending() {
        @Override
        public Optional<String> refusal(String sessionId, String workspaceId) {
            return Optional.empty();
        }

        @Override
        public void spent(String sessionId, String workspaceId, ModelCall call) {
        }
    };

    /** Why the session may not make another model request now (a budget is spent), for the agent and for people. */
    Optional<String> refusal(String sessionId, String workspaceId);

    /** A forwarded request's answer has ended; {@code call} is what it used. */
    void spent(String sessionId, String workspaceId, ModelCall call);
}
