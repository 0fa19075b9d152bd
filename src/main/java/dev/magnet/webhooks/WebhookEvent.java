package dev.magnet.webhooks;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What an outgoing webhook tells of; an endpoint chooses which of these it hears. */
public enum WebhookEvent {
    SESSION_CREATED("session.created"),
    SESSION_WAITING("session.waiting"),
    SESSION_COMPLETED("session.completed"),
    SESSION_FAILED("session.failed"),
    PR_OPENED("pr.opened"),
    PR_MERGED("pr.merged"),
    PR_CLOSED("pr.closed");

    private final String wire;

    WebhookEvent(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<WebhookEvent> fromWire(String wire) {
        return Arrays.stream(values()).filter(e -> e.wire.equals(wire)).findFirst();
    }

    public static List<String> allWire() {
        return Arrays.stream(values()).map(WebhookEvent::wire).toList();
    }

    /**
     * The event a session's newly notified state tells of: {@code created}, {@code waiting}, {@code completed},
     * {@code failed}; other states ({@code running}) tell of nothing.
     */
    static Optional<WebhookEvent> ofSessionState(String state) {
        return fromWire("session." + state);
    }

    /** The event a {@code pr} event's action tells of: opened, merged, closed; updates and reopenings tell of nothing. */
    static Optional<WebhookEvent> ofPullRequestAction(String action) {
        return fromWire("pr." + action);
    }
}
