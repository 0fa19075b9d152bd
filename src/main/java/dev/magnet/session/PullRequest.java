package dev.magnet.session;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Objects;

/** The pull request of a session's branch. */
public record PullRequest(int number, String url, State state) {

    public PullRequest {
        Objects.requireNonNull(state, "state");
    }

    /** Where a pull request stands; its JSON and stored value is {@link #wire()}. */
    public enum State {
        OPEN, MERGED, CLOSED;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static State fromWire(String wire) {
            return valueOf(wire.toUpperCase(Locale.ROOT));
        }
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }
}
