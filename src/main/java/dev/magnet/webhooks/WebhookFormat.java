package dev.magnet.webhooks;

import java.util.Locale;

/** The shape of a delivery's body: Magnet's own JSON, or a Slack incoming webhook's {@code {"text": …}}. */
public enum WebhookFormat {
    MAGNET, SLACK;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the formats when {@code wire} is none of them */
    public static WebhookFormat fromWire(String wire) {
        for (WebhookFormat f : values()) {
            if (f.wire().equals(wire)) {
                return f;
            }
        }
        throw new IllegalArgumentException("format must be magnet or slack, was '" + wire + "'");
    }
}
