package dev.magnet.events;

/**
 * The kinds of event in a session's log (SPEC §3). The JSON {@code type} of an event is
 * {@link #wire()}, the lower-case name.
 */
public enum EventType {
    /** Status or phase change, with reason. */
    STATUS,
    /** A prompt or follow-up accepted by Magnet, with its author. */
    USER_MESSAGE,
    /** A queued follow-up was taken by the agent. */
    MESSAGE_DELIVERED,
    /** The agent's reasoning text (a whole block). */
    THINKING,
    /** The agent's visible text (a whole block). */
    TEXT,
    /** Partial text or thinking while it streams; clients merge by message id and index. */
    DELTA,
    /** A tool call with its input. */
    TOOL_USE,
    /** A tool's output, truncated at a sane size with the full size noted. */
    TOOL_RESULT,
    /** A file the agent created or edited, with a unified diff of the edit. */
    FILE_CHANGE,
    /** The agent's task list. */
    TODO,
    /** The model API is being retried. */
    MODEL_RETRY,
    /** End of an agent turn: cost, tokens, duration, success or error. */
    TURN_RESULT,
    /** Pull request opened, updated or changed state. */
    PR,
    /** Something went wrong; the message says what. */
    ERROR,
    /** Output of the environment's setup script. */
    SETUP_OUTPUT,
    /** Output of the environment's run script (rate-limited, the tail always kept). */
    RUN_OUTPUT,
    /** A connection the sandbox tried through the egress proxy: where to, allowed or denied, bytes moved. */
    EGRESS;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static EventType fromWire(String wire) {
        return valueOf(wire.toUpperCase(java.util.Locale.ROOT));
    }
}
