package dev.magnet.events;

import dev.magnet.json.Json;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Replaces every known secret value with a mask before an event, a log line, a stored diff or a pull request body is
 * written: {@code [redacted]} for Magnet's own credentials, {@code [redacted:NAME]} for an environment's secrets.
 * Secrets are registered when Magnet learns them (the model key at start, integration tokens and environment secrets
 * later). A secret is also known in its JSON-escaped form, since events are redacted as JSON text.
 */
public final class Redactor {
    public static final String MASK = "[redacted]";
    /** Values shorter than this are not secrets Magnet can mask: they would mask ordinary text. */
    public static final int MIN_SECRET_LENGTH = 8;
    private final Map<String, String> masks = new ConcurrentHashMap<>();
    /** The secrets longest first (a secret inside a longer one must not break the longer one's mask). */
    private volatile List<Map.Entry<String, String>> ordered = List.of();

    /** Registers one of Magnet's own credentials; values shorter than 8 characters are ignored. */
    public void register(String secret) {
        register(secret, MASK);
    }

    /** Registers an environment's secret, masked as {@code [redacted:NAME]}. */
    public void registerNamed(String secret, String name) {
        register(secret, "[redacted:" + name + "]");
    }

    private void register(String secret, String mask) {
        if (secret != null && secret.length() >= MIN_SECRET_LENGTH) {
            masks.put(secret, mask);
            String escaped = Json.write(secret);
            escaped = escaped.substring(1, escaped.length() - 1);
            if (!escaped.equals(secret)) {
                masks.put(escaped, mask);
            }
            reorder();
        }
    }

    private synchronized void reorder() {
        ordered = masks.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed()).toList();
    }

    public void forget(String secret) {
        if (secret == null) {
            return;
        }
        masks.remove(secret);
        String escaped = Json.write(secret);
        masks.remove(escaped.substring(1, escaped.length() - 1));
        reorder();
    }

    public String redact(String text) {
        List<Map.Entry<String, String>> secrets = ordered;
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (Map.Entry<String, String> m : secrets) {
            if (out.contains(m.getKey())) {
                out = out.replace(m.getKey(), m.getValue());
            }
        }
        return out;
    }
}
