package dev.magnet.agent;

import dev.magnet.events.NewEvent;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one CLI stdout line means to Magnet: the events to append to the session log, and the
 * signals the agent driver acts on.
 *
 * @param events    events for the session log, in order (often empty)
 * @param outcome   present on a {@code result} line: how the turn ended
 * @param lifecycle present on a {@code command_lifecycle} line: what happened to a user message
 */
public record MappedLine(List<NewEvent> events, Optional<TurnOutcome> outcome, Optional<CommandLifecycle> lifecycle) {
    private static final MappedLine NOTHING = new MappedLine(List.of(), Optional.empty(), Optional.empty());

    public MappedLine {
        events = List.copyOf(Objects.requireNonNull(events, "events"));
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(lifecycle, "lifecycle");
    }

    /** A line that means nothing to Magnet. */
    public static MappedLine nothing() {
        return NOTHING;
    }

    static MappedLine of(List<NewEvent> events) {
        return events.isEmpty() ? NOTHING : new MappedLine(events, Optional.empty(), Optional.empty());
    }

    static MappedLine ofOutcome(List<NewEvent> events, TurnOutcome outcome) {
        return new MappedLine(events, Optional.of(outcome), Optional.empty());
    }

    static MappedLine ofLifecycle(CommandLifecycle lifecycle) {
        return new MappedLine(List.of(), Optional.empty(), Optional.of(lifecycle));
    }
}
