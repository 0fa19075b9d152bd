package dev.magnet.sandbox;

import java.util.Map;

/**
 * The environment of programs the server starts on the host (SECURITY.md, rule 3): built from nothing, so none of
 * the server's own variables (its model key, GitHub key, database URL, secret key) reach them.
 */
public final class HostEnvironment {
    /** System folders only, never the server's own {@code PATH}. */
    public static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private HostEnvironment() {
    }

    /** Empties {@code env} and gives it only {@code PATH} and {@code LC_ALL=C}. */
    public static void clean(Map<String, String> env) {
        env.clear();
        env.put("PATH", PATH);
        env.put("LC_ALL", "C");
    }
}
