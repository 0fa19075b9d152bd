package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.runner.SessionWorkflow.ResumePoint;
import dev.magnet.session.LastTurn;
import dev.magnet.session.Phase;
import dev.magnet.session.Session;
import dev.magnet.testing.SessionBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Where a session picks up when a runner finds it already running (after a restart): read from its last turn. */
class ResumePointTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void a_turn_that_took_a_message_and_never_ended_runs_again() {
        assertThat(ResumePoint.of(running(LastTurn.RUNNING), false)).isEqualTo(ResumePoint.CUT_OFF_TURN);
    }

    @Test
    void a_turn_that_ended_well_with_nothing_waiting_goes_straight_to_finishing() {
        assertThat(ResumePoint.of(running(LastTurn.SUCCEEDED), false)).isEqualTo(ResumePoint.FINISH);
        assertThat(ResumePoint.of(running(LastTurn.SUCCEEDED), true)).isEqualTo(ResumePoint.NONE);
    }

    @Test
    void an_interrupted_agent_or_one_that_never_started_just_waits_or_starts() {
        assertThat(ResumePoint.of(running(LastTurn.INTERRUPTED), false)).isEqualTo(ResumePoint.NONE);
        assertThat(ResumePoint.of(running(null), false)).isEqualTo(ResumePoint.NONE);
        assertThat(ResumePoint.of(SessionBuilder.aSession().build(), false)).isEqualTo(ResumePoint.NONE);
    }

    private static Session running(LastTurn last) {
        return SessionBuilder.aSession().build().moveTo(Phase.PROVISIONING, null, T).moveTo(Phase.CLONING, null, T)
                .moveTo(Phase.SETTING_UP, null, T).moveTo(Phase.RUNNING, null, T).withAgentStarted(T).withLastTurn(last, T);
    }
}
