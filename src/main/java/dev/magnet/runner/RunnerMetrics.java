package dev.magnet.runner;

import dev.magnet.agent.TurnOutcome;
import dev.magnet.session.FailureReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/** The runner's Prometheus figures: live sessions, agent starts, turns by outcome, failures by reason. */
public final class RunnerMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger live;
    private final Counter agentStarts;

    public RunnerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.live = registry.gauge("magnet_sessions_running", new AtomicInteger());
        this.agentStarts = Counter.builder("magnet_agent_starts").description("Claude Code processes started").register(registry);
    }

    void sessionStarted() {
        live.incrementAndGet();
    }

    void sessionEnded() {
        live.decrementAndGet();
    }

    void agentStarted() {
        agentStarts.increment();
    }

    void turnEnded(TurnOutcome outcome) {
        registry.counter("magnet_agent_turns", "outcome", outcome.kind().name().toLowerCase(Locale.ROOT)).increment();
    }

    void sessionFailed(FailureReason reason) {
        registry.counter("magnet_sessions_failed", "reason", reason.wire()).increment();
    }
}
