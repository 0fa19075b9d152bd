package dev.magnet.runner;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.agent.CommandLifecycle;
import dev.magnet.agent.MappedLine;
import dev.magnet.agent.TurnOutcome;
import dev.magnet.events.EventData;
import dev.magnet.events.NewEvent;
import dev.magnet.session.Cost;
import dev.magnet.session.LastTurn;
import dev.magnet.session.SessionStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Records what the agent writes: each burst of stdout lines (streamed deltas, up to and including a turn result)
 * becomes events persisted in one transaction, together with what they imply: the messages the agent took (marked
 * delivered, announced once), and, at a turn's end, the session's cost and how the turn ended.
 */
final class TurnRecorder {
    private final SessionStore store;
    private final RunnerMetrics metrics;
    private final Clock clock;

    TurnRecorder(SessionStore store, RunnerMetrics metrics, Clock clock) {
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Maps and persists {@code lines} of {@code run}, then publishes them; tells {@code limits} which tool runs and
     * when the turn ends.
     *
     * @return the turn's outcome when the burst ended a turn
     */
    Optional<TurnOutcome> record(String sessionId, AgentRun run, List<JsonNode> lines, TimeLimits limits) {
        List<NewEvent> events = new ArrayList<>();
        Set<String> taken = new LinkedHashSet<>();
        Optional<TurnOutcome> outcome = Optional.empty();
        EventData.TurnResult result = null;
        for (JsonNode line : lines) {
            MappedLine mapped = run.mapper().mapLine(line);
            List<String> delivered = new ArrayList<>();
            // why: any lifecycle past "queued" means the CLI took the message into the conversation, even when
            // the turn then ended in an error or an interrupt ("cancelled")
            mapped.lifecycle().filter(l -> l.state() != CommandLifecycle.State.QUEUED)
                    .ifPresent(l -> delivered.add(l.commandUuid()));
            mapped.outcome().ifPresent(o -> delivered.addAll(o.userMessageUuids()));
            for (String id : delivered) {
                if (!run.took(id) && taken.add(id)) {
                    events.add(NewEvent.of(new EventData.MessageDelivered(id)));
                }
            }
            for (NewEvent e : mapped.events()) {
                events.add(e);
                switch (e.data()) {
                    case EventData.TurnResult r -> result = r;
                    case EventData.ToolUse use -> limits.toolStarted(describe(use));
                    case EventData.ToolResult ignored -> limits.toolEnded();
                    default -> { }
                }
            }
            if (mapped.outcome().isPresent()) {
                outcome = mapped.outcome();
            }
        }
        if (!events.isEmpty()) {
            if (result == null) {
                // why: most bursts are streamed deltas; they need no session row, only numbered events
                store.appendOutput(sessionId, events, clock.instant());
            } else {
                EventData.TurnResult turn = result;
                LastTurn ended = outcome.map(TurnRecorder::lastTurn).orElse(LastTurn.FAILED);
                store.recordTurn(sessionId, events,
                        s -> s.withCost(costAfter(s.cost(), turn), clock.instant()).withLastTurn(ended, clock.instant()),
                        clock.instant());
            }
        }
        run.tookAll(taken);
        outcome.ifPresent(o -> {
            limits.turnEnded(clock.instant(), !run.tookEverythingWritten());
            metrics.turnEnded(o);
        });
        return outcome;
    }

    private static LastTurn lastTurn(TurnOutcome outcome) {
        return switch (outcome.kind()) {
            case SUCCEEDED -> LastTurn.SUCCEEDED;
            case INTERRUPTED -> LastTurn.INTERRUPTED;
            default -> LastTurn.FAILED;
        };
    }

    /**
     * The session's cost after a turn. The CLI reports {@code total_cost_usd} for the whole conversation (also
     * across {@code --resume}), and tokens per turn.
     */
    static Cost costAfter(Cost before, EventData.TurnResult turn) {
        double total = turn.costUsd() == null ? 0 : turn.costUsd();
        return new Cost(Math.max(before.usd(), total),
                before.inputTokens() + (turn.inputTokens() == null ? 0 : turn.inputTokens()),
                before.outputTokens() + (turn.outputTokens() == null ? 0 : turn.outputTokens()));
    }

    /** A tool call as people read it in a timeout message: its name and its command or file, shortened. */
    static String describe(EventData.ToolUse use) {
        String detail = null;
        if (use.input() instanceof Map<?, ?> input) {
            for (String key : List.of("command", "file_path", "pattern", "url")) {
                if (input.get(key) instanceof String v) {
                    detail = v;
                    break;
                }
            }
        }
        if (detail == null) {
            return use.name();
        }
        String line = detail.strip().replaceAll("\\s+", " ");
        return use.name() + ": " + (line.length() > 120 ? line.substring(0, 120) + "…" : line);
    }
}
