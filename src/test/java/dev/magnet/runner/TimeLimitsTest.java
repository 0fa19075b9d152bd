package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.session.FailureReason;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TimeLimitsTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void no_limit_passes_while_no_turn_runs_and_the_session_is_young() {
        TimeLimits limits = new TimeLimits(Duration.ofMinutes(10), Duration.ofHours(1), T0);

        assertThat(limits.passed(T0.plus(Duration.ofMinutes(59)))).isEmpty();
        assertThat(limits.untilNext(T0, Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void a_turn_past_its_limit_fails_timeout_saying_what_ran() {
        TimeLimits limits = new TimeLimits(Duration.ofMinutes(10), Duration.ofHours(1), T0);
        limits.turnStarted(T0.plusSeconds(60));
        limits.turnStarted(T0.plusSeconds(120));
        limits.toolStarted("Bash: make test");

        assertThat(limits.passed(T0.plusSeconds(60 + 599))).isEmpty();
        StepFailure late = limits.passed(T0.plusSeconds(60 + 600)).orElseThrow();
        assertThat(late.reason()).isEqualTo(FailureReason.TIMEOUT);
        assertThat(late.getMessage()).contains("turn ran for more than 10 min").contains("it was running Bash: make test");
        assertThat(limits.untilNext(T0.plusSeconds(60 + 598), Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void a_turn_past_its_limit_while_the_model_has_not_answered_says_the_agent_was_waiting_for_the_model_api() {
        TimeLimits limits = new TimeLimits(Duration.ofMinutes(10), Duration.ofHours(1), T0);
        limits.turnStarted(T0);

        StepFailure late = limits.passed(T0.plusSeconds(600), Optional.of(Duration.ofSeconds(590))).orElseThrow();
        assertThat(late.reason()).isEqualTo(FailureReason.TIMEOUT);
        assertThat(late.getMessage()).contains("it was waiting for the model API")
                .contains("a request made 590 s before");

        limits.toolStarted("Task: explore");
        assertThat(limits.passed(T0.plusSeconds(600), Optional.of(Duration.ofSeconds(590))).orElseThrow().getMessage())
                .as("a tool that runs is what the agent was doing").contains("it was running Task: explore")
                .doesNotContain("model API");
    }

    @Test
    void a_finished_turn_stops_its_clock_unless_the_next_one_starts_at_once() {
        TimeLimits limits = new TimeLimits(Duration.ofMinutes(10), Duration.ofHours(1), T0);
        limits.turnStarted(T0);
        limits.turnEnded(T0.plusSeconds(500), false);
        assertThat(limits.passed(T0.plusSeconds(1000))).isEmpty();

        limits.turnStarted(T0.plusSeconds(1000));
        limits.turnEnded(T0.plusSeconds(1100), true);
        assertThat(limits.passed(T0.plusSeconds(1100 + 600))).isPresent();
    }

    @Test
    void the_session_limit_counts_from_the_start_of_the_run() {
        TimeLimits limits = new TimeLimits(Duration.ofMinutes(10), Duration.ofHours(1), T0);

        assertThat(limits.passed(T0.plus(Duration.ofHours(1))).orElseThrow().getMessage())
                .contains("session ran for more than 1 h").contains("MAGNET_SESSION_TIMEOUT_SECONDS");
    }
}
