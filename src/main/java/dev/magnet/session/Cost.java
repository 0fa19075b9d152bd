package dev.magnet.session;

/** What the agent reported the session cost so far. */
public record Cost(double usd, long inputTokens, long outputTokens) {
    public static final Cost ZERO = new Cost(0, 0, 0);

    public Cost plus(double moreUsd, long moreIn, long moreOut) {
        return new Cost(usd + moreUsd, inputTokens + moreIn, outputTokens + moreOut);
    }
}
