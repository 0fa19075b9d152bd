package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.config.Quotas;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunQueueTest {
    private static final RunQueue.Running NOTHING = RunQueue.Running.none();

    @Test
    void one_persons_many_sessions_do_not_all_go_before_everyone_elses() {
        List<RunQueue.Waiting> waiting = List.of(w("01", "ada"), w("02", "ada"), w("03", "ada"), w("04", "bob"),
                w("05", "ada"), w("06", "cy"));

        assertThat(RunQueue.order(waiting, NOTHING, Quotas.none())).extracting(RunQueue.Waiting::id)
                .containsExactly("01", "04", "06", "02", "03", "05");
    }

    @Test
    void whoever_already_runs_the_most_waits_behind_the_others() {
        RunQueue.Running adaRunsTwo = new RunQueue.Running(Map.of("ws", 2), Map.of("ada", 2), Map.of());

        assertThat(RunQueue.order(List.of(w("01", "ada"), w("02", "bob")), adaRunsTwo, Quotas.none()))
                .extracting(RunQueue.Waiting::id).containsExactly("02", "01");
    }

    @Test
    void between_people_running_equally_many_whoever_was_served_longest_ago_goes_first() {
        Instant earlier = Instant.parse("2026-12-01T10:00:00Z");
        RunQueue.Running adaJustRan = new RunQueue.Running(Map.of(), Map.of(),
                Map.of("ada", earlier.plusSeconds(60), "bob", earlier));

        assertThat(RunQueue.order(List.of(w("01", "ada"), w("02", "ada"), w("03", "bob"), w("04", "cy")), adaJustRan,
                Quotas.none())).extracting(RunQueue.Waiting::id).containsExactly("04", "03", "01", "02");
    }

    @Test
    void a_person_or_workspace_at_its_quota_waits_and_is_not_runnable() {
        Quotas onePerUser = new Quotas(0, 1, 0, 0, 0);
        RunQueue.Running adaRuns = new RunQueue.Running(Map.of("ws", 1), Map.of("ada", 1), Map.of());
        List<RunQueue.Waiting> waiting = List.of(w("01", "ada"), w("02", "bob"), w("03", "bob"));

        assertThat(RunQueue.runnable(waiting, adaRuns, onePerUser)).extracting(RunQueue.Waiting::id).containsExactly("02");
        assertThat(RunQueue.positions(waiting, adaRuns, onePerUser)).containsEntry("02", 1).containsEntry("01", 2)
                .containsEntry("03", 3);
        Quotas twoPerWorkspace = new Quotas(2, 0, 0, 0, 0);
        assertThat(RunQueue.runnable(waiting, adaRuns, twoPerWorkspace)).extracting(RunQueue.Waiting::id).containsExactly("02");
    }

    private static RunQueue.Waiting w(String id, String author) {
        return new RunQueue.Waiting(id, "ws", author);
    }
}
