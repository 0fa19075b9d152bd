package dev.magnet.health;

import dev.magnet.logging.LogContext;
import dev.magnet.session.PhaseChange;
import dev.magnet.session.Session;
import dev.magnet.session.SessionStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every status or phase change the {@link SessionStore} commits leaves for operators: the per-phase figures
 * {@code magnet_session_phase_entered_total{status, phase}} (sessions that entered a phase; a resume enters
 * {@code running} again) and {@code magnet_session_phase_seconds{status, phase}} (how long sessions stayed in a phase
 * before leaving it, from the session's own history), and one log line per change with the session's id in its
 * logging context.
 */
public final class SessionPhaseTelemetry implements SessionStore.PhaseListener {
    private static final Logger log = LoggerFactory.getLogger(SessionPhaseTelemetry.class);
    private final MeterRegistry registry;

    public SessionPhaseTelemetry(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void moved(Session before, Session after) {
        List<PhaseChange> history = after.history();
        int from = before == null ? 0 : before.history().size();
        for (int i = from; i < history.size(); i++) {
            PhaseChange entered = history.get(i);
            Counter.builder("magnet.session.phase.entered").description("Sessions that entered a status and phase")
                    .tag("status", entered.status().wire()).tag("phase", entered.phase().wire())
                    .register(registry).increment();
            if (i > 0) {
                PhaseChange left = history.get(i - 1);
                Duration stayed = Duration.between(left.at(), entered.at());
                Timer.builder("magnet.session.phase").description("Time sessions spent in a status and phase before leaving it")
                        .tag("status", left.status().wire()).tag("phase", left.phase().wire())
                        .register(registry).record(stayed.isNegative() ? Duration.ZERO : stayed);
            }
        }
        PhaseChange now = history.get(history.size() - 1);
        LogContext.inSession(after.id(), () -> {
            if (after.failure() != null) {
                log.info("session {}: {}/{}: {}: {}", after.id(), now.status().wire(), now.phase().wire(),
                        after.failure().reason().wire(), after.failure().message());
            } else {
                log.info("session {}: {}/{}{}", after.id(), now.status().wire(), now.phase().wire(),
                        now.reason() == null ? "" : " (" + now.reason() + ")");
            }
        });
    }
}
