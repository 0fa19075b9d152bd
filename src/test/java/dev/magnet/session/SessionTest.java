package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnet.testing.SessionBuilder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SessionTest {
    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private final Session queued = SessionBuilder.aSession().withId("01a2-id").titled("Title").createdAt(T0).build();

    @Test
    void a_new_session_is_active_and_queued_with_one_history_entry() {
        assertThat(queued.status()).isEqualTo(Status.ACTIVE);
        assertThat(queued.phase()).isEqualTo(Phase.QUEUED);
        assertThat(queued.history()).containsExactly(new PhaseChange(Status.ACTIVE, Phase.QUEUED, "created", T0));
    }

    @Test
    void phases_move_forward_and_each_move_is_kept_in_history() {
        Session running = queued.moveTo(Phase.PROVISIONING, null, T0.plusSeconds(1))
                .moveTo(Phase.CLONING, null, T0.plusSeconds(2))
                .moveTo(Phase.SETTING_UP, null, T0.plusSeconds(3))
                .moveTo(Phase.RUNNING, null, T0.plusSeconds(4));
        Session done = running.moveTo(Phase.FINISHING, null, T0.plusSeconds(5)).complete(T0.plusSeconds(6));

        assertThat(done.status()).isEqualTo(Status.COMPLETED);
        assertThat(done.phase()).isEqualTo(Phase.DONE);
        assertThat(done.history()).extracting(PhaseChange::phase).containsExactly(Phase.QUEUED, Phase.PROVISIONING,
                Phase.CLONING, Phase.SETTING_UP, Phase.RUNNING, Phase.FINISHING, Phase.DONE);
        assertThat(done.updatedAt()).isEqualTo(T0.plusSeconds(6));
    }

    @Test
    void a_phase_cannot_be_skipped() {
        assertThatThrownBy(() -> queued.moveTo(Phase.RUNNING, null, T0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> queued.complete(T0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void a_failure_keeps_the_phase_it_happened_in_and_ends_the_session() {
        Session failed = queued.moveTo(Phase.PROVISIONING, null, T0).moveTo(Phase.CLONING, null, T0)
                .fail(FailureReason.CLONE_FAILED, "no such repo", T0);

        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.failure()).isEqualTo(new Failure(FailureReason.CLONE_FAILED, "no such repo", Phase.CLONING));
        assertThatThrownBy(() -> failed.fail(FailureReason.CANCELLED, "again", T0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> failed.reopen(T0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void a_completed_session_reopens_to_running_for_a_follow_up() {
        Session completed = queued.moveTo(Phase.PROVISIONING, null, T0).moveTo(Phase.CLONING, null, T0)
                .moveTo(Phase.SETTING_UP, null, T0).moveTo(Phase.RUNNING, null, T0).moveTo(Phase.FINISHING, null, T0)
                .complete(T0);
        Session reopened = completed.reopen(T0.plusSeconds(60));

        assertThat(reopened.status()).isEqualTo(Status.ACTIVE);
        assertThat(reopened.phase()).isEqualTo(Phase.RUNNING);
        assertThat(reopened.failure()).isNull();
    }

    @Test
    void a_long_first_line_becomes_a_title_cut_at_a_word() {
        String title = SessionService.deriveTitle(
                "Refactor the authentication module so that sessions expire after thirty minutes of inactivity\nmore");
        assertThat(title).hasSizeLessThanOrEqualTo(81).endsWith("…").doesNotContain("\n");
        assertThat(SessionService.deriveTitle("  Fix bug  \nDetails")).isEqualTo("Fix bug");
    }
}
