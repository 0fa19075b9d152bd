package dev.magnet.session;

import java.time.Instant;
import java.util.Locale;

/**
 * Where a session's run script is (an environment's background process, SPEC §5): {@code starting} until its preview
 * port listens (or, without a port, until it runs), {@code listening}, {@code exited} with its code when it ended by
 * itself, {@code stopped} when Magnet stopped it with its sandbox. {@code running} is the state of a script without a
 * preview port once it started. {@code previewPort} is the port the preview shows, or null.
 */
public record RunScriptState(State state, Integer exitCode, Integer previewPort, Instant at) {

    /** The states, as the session resource names them. */
    public enum State {
        STARTING, LISTENING, RUNNING, EXITED, STOPPED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        static State fromWire(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT));
        }

        /** True while the process lives. */
        public boolean alive() {
            return this == STARTING || this == LISTENING || this == RUNNING;
        }
    }

    public static RunScriptState starting(Integer previewPort, Instant at) {
        return new RunScriptState(State.STARTING, null, previewPort, at);
    }

    public RunScriptState listening(Instant now) {
        return new RunScriptState(State.LISTENING, null, previewPort, now);
    }

    public RunScriptState running(Instant now) {
        return new RunScriptState(State.RUNNING, null, previewPort, now);
    }

    public RunScriptState exited(int code, Instant now) {
        return new RunScriptState(State.EXITED, code, previewPort, now);
    }

    public RunScriptState stopped(Instant now) {
        return new RunScriptState(State.STOPPED, null, previewPort, now);
    }
}
