package dev.magnet.runner;

import dev.magnet.events.EventData;
import dev.magnet.events.NewEvent;
import dev.magnet.gateway.EgressAttempt;
import dev.magnet.gateway.EgressLog;
import dev.magnet.session.SessionStore;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every connection a sandbox tried through its egress proxy becomes an {@code egress} event of its session. */
public final class EgressEvents implements EgressLog {
    private static final Logger log = LoggerFactory.getLogger(EgressEvents.class);
    private final SessionStore store;

    public EgressEvents(SessionStore store) {
        this.store = store;
    }

    @Override
    public void record(String sessionId, EgressAttempt a) {
        try {
            store.append(sessionId, List.of(NewEvent.of(new EventData.Egress(a.host(), a.port(), a.method(), a.allowed(),
                    a.phase(), a.reason(), a.bytesSent(), a.bytesReceived()))));
        } catch (RuntimeException e) {
            log.warn("session {}: could not record an egress attempt to {}:{}: {}", sessionId, a.host(), a.port(),
                    e.getMessage());
        }
    }
}
