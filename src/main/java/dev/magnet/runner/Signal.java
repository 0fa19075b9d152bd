package dev.magnet.runner;

import com.fasterxml.jackson.databind.JsonNode;

/** What wakes a session's workflow while its agent runs. */
sealed interface Signal {
    /** A follow-up was queued. */
    record MessagesQueued() implements Signal { }

    /** A user asked to interrupt the current turn. */
    record Interrupt() implements Signal { }

    /** A user cancelled the session. */
    record Cancel(String message) implements Signal { }

    /** The agent (of the given generation: the n-th process of this run) wrote a line on stdout. */
    record Line(int generation, JsonNode json) implements Signal { }

    /** The agent process ended. */
    record Exited(int generation, int code) implements Signal { }
}
