package dev.magnet.agent;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@code command_lifecycle} line: what the CLI did with a user message that Magnet sent with a
 * {@code uuid}. The CLI reports {@code queued} then {@code started}, then {@code completed} or
 * {@code cancelled} (cancelled also when the turn ended in an API error or an interrupt).
 *
 * @param commandUuid the {@code uuid} Magnet gave the user message
 * @param state       the new state
 */
public record CommandLifecycle(String commandUuid, State state) {
    public CommandLifecycle {
        Objects.requireNonNull(commandUuid, "commandUuid");
        Objects.requireNonNull(state, "state");
    }

    /** The states a user message goes through inside the CLI. */
    public enum State {
        QUEUED, STARTED, COMPLETED, CANCELLED;

        /** The state for a wire value such as {@code "started"}, or empty for an unknown one. */
        public static Optional<State> fromWire(String wire) {
            if (wire == null) {
                return Optional.empty();
            }
            for (State state : values()) {
                if (state.name().equals(wire.toUpperCase(Locale.ROOT))) {
                    return Optional.of(state);
                }
            }
            return Optional.empty();
        }

        /** Whether the CLI is done with the message (it will not run, or has run). */
        public boolean isFinal() {
            return this == COMPLETED || this == CANCELLED;
        }
    }
}
