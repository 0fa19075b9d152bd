package dev.magnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * What {@link FakeAnthropic} answers: {@code turns} in order, one per main-loop request, then
 * {@code fallback} once they run out; {@code aux} answers every other Messages request (such as the
 * CLI's model-validation probe). Immutable.
 *
 * @param turns    served in order; a turn with {@code times(n)} answers n requests
 * @param fallback served to main-loop requests after the turns run out
 * @param aux      served to requests that are not main-loop requests
 * @param mainIf   which requests count as main-loop requests
 */
public record Script(List<Turn> turns, Turn fallback, Turn aux, MainIf mainIf) {

    public Script {
        turns = List.copyOf(turns);
        Objects.requireNonNull(fallback, "fallback");
        Objects.requireNonNull(aux, "aux");
        Objects.requireNonNull(mainIf, "mainIf");
    }

    /** These turns, then "ok" for ever; "Aux reply" to tool-less requests. */
    public static Script of(Turn... turns) {
        return new Script(List.of(turns), Turn.reply().text("ok"), Turn.reply().text("Aux reply"), MainIf.TOOLS);
    }

    /** No turns: every main-loop request gets the fallback "ok". */
    public static Script empty() {
        return of();
    }

    /** Serves {@code fallback} once the turns run out. */
    public Script withFallback(Turn fallback) {
        return new Script(turns, fallback, aux, mainIf);
    }

    /** Serves {@code aux} to requests that are not main-loop requests. */
    public Script withAux(Turn aux) {
        return new Script(turns, fallback, aux, mainIf);
    }

    /** Decides which requests consume turns. */
    public Script withMainIf(MainIf mainIf) {
        return new Script(turns, fallback, aux, mainIf);
    }

    /** Which Messages requests consume the script's turns. */
    public enum MainIf {
        /** Requests that carry tools (the CLI's main loop); the default. */
        TOOLS,
        /** All requests except {@code max_tokens <= 1} probes. */
        NOT_PROBE,
        /** Every request. */
        ALL;

        /** Whether a request with this JSON body is a main-loop request. */
        public boolean matches(JsonNode body) {
            return switch (this) {
                case TOOLS -> body.path("tools").isArray() && !body.path("tools").isEmpty();
                case NOT_PROBE -> {
                    int maxTokens = body.path("max_tokens").asInt(0);
                    yield (maxTokens == 0 ? 2 : maxTokens) > 1; // why: same rule as fake_anthropic.py
                }
                case ALL -> true;
            };
        }
    }
}
