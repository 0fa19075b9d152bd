package dev.magnet.events;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Replaces every known secret value with {@code [redacted]} before an event or a log line is written.
 * Secrets are registered when Magnet learns them (the model key at start, integration tokens later).
 */
public final class Redactor {
    public static final String MASK = "[redacted]";
    private static final int MIN_SECRET_LENGTH = 8;
    private final Set<String> secrets = new CopyOnWriteArraySet<>();

    /** Registers a secret; values shorter than 8 characters are ignored (they would mask ordinary text). */
    public void register(String secret) {
        if (secret != null && secret.length() >= MIN_SECRET_LENGTH) {
            secrets.add(secret);
        }
    }

    public void forget(String secret) {
        secrets.remove(secret);
    }

    public String redact(String text) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : secrets) {
            if (out.contains(secret)) {
                out = out.replace(secret, MASK);
            }
        }
        return out;
    }
}
