package dev.magnet.config;

import java.util.Map;

/**
 * How the server is shared between workspaces and people (0 means no limit of that kind).
 *
 * @param perWorkspace       sessions of one workspace running at once, across servers ({@code MAGNET_MAX_SESSIONS_PER_WORKSPACE})
 * @param perUser            sessions of one person running at once ({@code MAGNET_MAX_SESSIONS_PER_USER})
 * @param queuedPerUser      sessions one person may have waiting to run; creating more is answered 429
 *                           ({@code MAGNET_MAX_QUEUED_PER_USER}, 50)
 * @param sessionBudgetUsd   what one session may cost; past it the relay refuses the agent's next model request and the
 *                           session fails {@code budget_exceeded} ({@code MAGNET_SESSION_BUDGET_USD})
 * @param workspaceDailyUsd  what a workspace's sessions may cost per day, UTC ({@code MAGNET_WORKSPACE_DAILY_BUDGET_USD})
 */
public record Quotas(int perWorkspace, int perUser, int queuedPerUser, double sessionBudgetUsd, double workspaceDailyUsd) {

    public Quotas {
        if (perWorkspace < 0 || perUser < 0 || queuedPerUser < 0 || sessionBudgetUsd < 0 || workspaceDailyUsd < 0) {
            throw new IllegalArgumentException("MAGNET_MAX_SESSIONS_PER_*, MAGNET_MAX_QUEUED_PER_USER and the budgets "
                    + "must be 0 (no limit) or more");
        }
    }

    /** No quota at all. */
    public static Quotas none() {
        return new Quotas(0, 0, 0, 0, 0);
    }

    static Quotas fromEnvironment(Map<String, String> env) {
        return new Quotas(
                (int) MagnetConfig.parseLong(env, "MAGNET_MAX_SESSIONS_PER_WORKSPACE", 0),
                (int) MagnetConfig.parseLong(env, "MAGNET_MAX_SESSIONS_PER_USER", 0),
                (int) MagnetConfig.parseLong(env, "MAGNET_MAX_QUEUED_PER_USER", 50),
                decimal(env, "MAGNET_SESSION_BUDGET_USD"),
                decimal(env, "MAGNET_WORKSPACE_DAILY_BUDGET_USD"));
    }

    private static double decimal(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an amount in US dollars, e.g. 5 or 2.50, was '" + value + "'");
        }
    }
}
