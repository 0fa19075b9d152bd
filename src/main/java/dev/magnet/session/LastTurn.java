package dev.magnet.session;

import java.util.Locale;

/**
 * How the agent's last turn stands, kept on the session in the same transaction as the events that say so: what a
 * session resumes from after a restart.
 */
public enum LastTurn {
    /** A message was taken and its turn has not ended (when the server died here, the turn was cut off). */
    RUNNING,
    /** The turn ended well. */
    SUCCEEDED,
    /** The turn was interrupted; the agent waits for a message. */
    INTERRUPTED,
    /** The turn ended in an error. */
    FAILED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The value stored in the column, or null for a session whose agent has not taken a message yet. */
    public static LastTurn fromWire(String wire) {
        return wire == null ? null : valueOf(wire.toUpperCase(Locale.ROOT));
    }
}
