package dev.magnet.budget;

import dev.magnet.config.Quotas;
import dev.magnet.gateway.ModelCall;
import dev.magnet.gateway.Spending;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cost budgets ({@code MAGNET_SESSION_BUDGET_USD}, {@code MAGNET_WORKSPACE_DAILY_BUDGET_USD}), enforced at the
 * model relay: every forwarded request is recorded with what it cost ({@link SpendLedger}, so the figures hold across
 * servers), and a request of a session whose budget, or whose workspace's budget for the day (UTC), is spent is
 * refused. One request may take a session past its budget; the next is refused. The session's workflow then fails it
 * {@code budget_exceeded} with the figure ({@link #exceeded}).
 */
public final class Budgets implements Spending {
    private final SpendLedger ledger;
    private final BigDecimal sessionBudget;
    private final BigDecimal workspaceDaily;
    private final Clock clock;
    private final Map<String, String> refused = new ConcurrentHashMap<>();

    public Budgets(SpendLedger ledger, Quotas quotas, Clock clock) {
        this.ledger = ledger;
        this.sessionBudget = BigDecimal.valueOf(quotas.sessionBudgetUsd());
        this.workspaceDaily = BigDecimal.valueOf(quotas.workspaceDailyUsd());
        this.clock = clock;
    }

    @Override
    public Optional<String> refusal(String sessionId, String workspaceId) {
        Optional<String> why = check(sessionId, workspaceId);
        why.ifPresent(message -> refused.put(sessionId, message));
        return why;
    }

    /** Why the session may not use the model now, or empty; checked before a run starts its agent. */
    public Optional<String> check(String sessionId, String workspaceId) {
        if (sessionBudget.signum() > 0) {
            BigDecimal spent = ledger.sessionCost(sessionId);
            if (spent.compareTo(sessionBudget) >= 0) {
                return Optional.of("this session has spent " + usd(spent) + " on the model, its whole budget of "
                        + usd(sessionBudget) + " (MAGNET_SESSION_BUDGET_USD).");
            }
        }
        if (workspaceDaily.signum() > 0) {
            BigDecimal spent = ledger.workspaceCostSince(workspaceId, startOfToday());
            if (spent.compareTo(workspaceDaily) >= 0) {
                return Optional.of("this workspace's sessions have spent " + usd(spent) + " on the model today (UTC), "
                        + "its whole daily budget of " + usd(workspaceDaily) + " (MAGNET_WORKSPACE_DAILY_BUDGET_USD).");
            }
        }
        return Optional.empty();
    }

    @Override
    public void spent(String sessionId, String workspaceId, ModelCall call) {
        ledger.record(sessionId, workspaceId, clock.instant(), call, ModelPrices.cost(call));
    }

    /** Why the relay refused this session a model request for its budget, if it did. */
    public Optional<String> exceeded(String sessionId) {
        return Optional.ofNullable(refused.get(sessionId));
    }

    /** The session's run is over: its refusal, if any, is forgotten. */
    public void forget(String sessionId) {
        refused.remove(sessionId);
    }

    /** The budgets as shown in a session's sandbox status (absent when there is none). */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        if (sessionBudget.signum() > 0) {
            d.put("sessionBudgetUsd", sessionBudget.doubleValue());
        }
        if (workspaceDaily.signum() > 0) {
            d.put("workspaceDailyBudgetUsd", workspaceDaily.doubleValue());
        }
        return d;
    }

    private Instant startOfToday() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static String usd(BigDecimal amount) {
        return "$" + amount.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }
}
