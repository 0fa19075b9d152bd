package dev.magnet.logging;

import java.util.Locale;

/** How log lines are written ({@code MAGNET_LOG_FORMAT}). */
public enum LogFormat {
    /** {@code 12:00:00.000 INFO  dev.magnet.Magnet - message}, for people. */
    TEXT,
    /** One JSON object a line (time, level, logger, thread, message, requestId, sessionId), for log collectors. */
    JSON;

    /** The setting: {@code text} (also when unset or blank) or {@code json}. */
    public static final String SETTING = "MAGNET_LOG_FORMAT";

    /**
     * The format a setting names.
     *
     * @throws IllegalArgumentException naming the setting and its values when it is neither
     */
    public static LogFormat parse(String value) {
        if (value == null || value.isBlank()) {
            return TEXT;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "text" -> TEXT;
            case "json" -> JSON;
            default -> throw new IllegalArgumentException(SETTING + " must be text or json, was '" + value + "'");
        };
    }
}
