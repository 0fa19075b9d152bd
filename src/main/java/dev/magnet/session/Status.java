package dev.magnet.session;

import java.util.Locale;

/** The three statuses a user sees (SPEC §1). */
public enum Status {
    ACTIVE, COMPLETED, FAILED;

    public boolean isTerminal() {
        return this != ACTIVE;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Status fromWire(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
