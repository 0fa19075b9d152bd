package dev.magnet.config;

import java.time.Duration;
import java.util.Map;

/**
 * The outgoing webhooks' retries.
 *
 * @param firstRetry  the wait after a delivery's first failed attempt, doubled after each further one up to an hour
 *                    ({@code MAGNET_WEBHOOK_RETRY_SECONDS}, 30)
 * @param giveUpAfter how long after it was made a delivery is still tried ({@code MAGNET_WEBHOOK_GIVE_UP_HOURS}, 24)
 */
public record WebhookSettings(Duration firstRetry, Duration giveUpAfter) {
    public WebhookSettings {
        if (firstRetry.isNegative() || firstRetry.isZero() || giveUpAfter.isNegative() || giveUpAfter.isZero()) {
            throw new IllegalArgumentException("MAGNET_WEBHOOK_RETRY_SECONDS and MAGNET_WEBHOOK_GIVE_UP_HOURS must be positive");
        }
    }

    public static WebhookSettings defaults() {
        return fromEnvironment(Map.of());
    }

    static WebhookSettings fromEnvironment(Map<String, String> env) {
        return new WebhookSettings(Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_WEBHOOK_RETRY_SECONDS", 30)),
                Duration.ofHours(MagnetConfig.parseLong(env, "MAGNET_WEBHOOK_GIVE_UP_HOURS", 24)));
    }
}
