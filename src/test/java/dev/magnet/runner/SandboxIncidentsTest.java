package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.sandbox.DiskLimitExceeded;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxFailure;
import dev.magnet.session.FailureReason;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What went wrong in a run's sandbox: told apart from what was seen before, resumed a bounded number of times, or failed. */
class SandboxIncidentsTest {
    @TempDir
    Path dir;

    private FakeSandbox watched(SandboxIncidents incidents) {
        FakeSandbox sandbox = new FakeSandbox(dir);
        incidents.watch(sandbox);
        return sandbox;
    }

    @Test
    void what_a_sandbox_counted_before_it_was_watched_is_not_an_incident_of_the_run() {
        SandboxIncidents incidents = new SandboxIncidents();
        FakeSandbox sandbox = new FakeSandbox(dir);
        sandbox.memoryKills = 2;
        sandbox.processLimitHits = 5;
        incidents.watch(sandbox);

        assertThat(incidents.newMemoryKill()).isEmpty();
        assertThat(incidents.mayResumeAfterProcessLimit()).isFalse();
        assertThat(incidents.resumeAfterLoss()).isEmpty();
        assertThat(incidents.failure(1)).isEmpty();
    }

    @Test
    void a_memory_kill_is_noted_once_with_the_limit() {
        SandboxIncidents incidents = new SandboxIncidents();
        FakeSandbox sandbox = watched(incidents);
        sandbox.memoryKills = 1;

        assertThat(incidents.newMemoryKill()).hasValueSatisfying(m -> assertThat(m).contains("memory limit").contains("512 MiB"));
        assertThat(incidents.newMemoryKill()).isEmpty();
    }

    @Test
    void the_agent_is_resumed_after_the_process_limit_three_times_then_the_session_fails_saying_so() {
        SandboxIncidents incidents = new SandboxIncidents();
        FakeSandbox sandbox = watched(incidents);
        for (int i = 1; i <= SandboxIncidents.MAX_PROCESS_LIMIT_RESUMES; i++) {
            sandbox.processLimitHits += 10;
            assertThat(incidents.mayResumeAfterProcessLimit()).isTrue();
            assertThat(incidents.resumingAfterProcessLimit()).contains("64 processes and threads").contains("(" + i + " of 3)");
            assertThat(incidents.mayResumeAfterProcessLimit()).as("counted").isFalse();
        }
        sandbox.processLimitHits += 10;

        assertThat(incidents.mayResumeAfterProcessLimit()).isFalse();
        StepFailure failure = incidents.failure(137).orElseThrow();
        assertThat(failure.reason()).isEqualTo(FailureReason.SANDBOX_FAILED);
        assertThat(failure.getMessage()).contains("process limit").contains("exit code 137").contains("also after 3 resumes")
                .contains("MAGNET_SANDBOX_MAX_PROCESSES");
    }

    @Test
    void a_process_limit_hit_with_a_memory_kill_is_a_memory_failure_not_a_resume() {
        SandboxIncidents incidents = new SandboxIncidents();
        FakeSandbox sandbox = watched(incidents);
        sandbox.processLimitHits = 3;
        sandbox.memoryKills = 1;

        assertThat(incidents.mayResumeAfterProcessLimit()).isFalse();
        StepFailure failure = incidents.failure(137).orElseThrow();
        assertThat(failure.reason()).isEqualTo(FailureReason.SANDBOX_FAILED);
        assertThat(failure.getMessage()).contains("ran out of memory").contains("512 MiB").contains("MAGNET_SANDBOX_MEMORY_MB");
    }

    @Test
    void a_lost_pod_is_resumed_three_times_then_fails_with_the_clusters_reason() {
        SandboxIncidents incidents = new SandboxIncidents();
        FakeSandbox sandbox = watched(incidents);
        for (int i = 1; i <= SandboxIncidents.MAX_SANDBOX_LOSS_RESUMES; i++) {
            sandbox.losses.add(new Sandbox.Loss(SandboxFailure.SANDBOX_FAILED, "pod magnet-x was deleted"));
            String count = "(" + i + " of 3)";
            assertThat(incidents.resumeAfterLoss()).hasValueSatisfying(m -> assertThat(m)
                    .contains("pod magnet-x was deleted").contains(count));
            assertThat(incidents.resumeAfterLoss()).as("counted").isEmpty();
        }
        sandbox.losses.add(new Sandbox.Loss(SandboxFailure.EVICTED, "the node ran short of memory"));

        assertThat(incidents.resumeAfterLoss()).isEmpty();
        StepFailure failure = incidents.failure(143).orElseThrow();
        assertThat(failure.reason()).isEqualTo(FailureReason.EVICTED);
        assertThat(failure.getMessage()).contains("the node ran short of memory").contains("also after 3 resumes");
    }

    @Test
    void a_pod_killed_for_memory_fails_oom_killed_and_is_not_resumed() {
        SandboxIncidents incidents = new SandboxIncidents();
        FakeSandbox sandbox = watched(incidents);
        sandbox.memoryKills = 1;
        sandbox.losses.add(new Sandbox.Loss(SandboxFailure.OOM_KILLED, "container agent was OOMKilled"));

        assertThat(incidents.resumeAfterLoss()).isEmpty();
        assertThat(incidents.failure(137).orElseThrow().reason()).isEqualTo(FailureReason.OOM_KILLED);
    }

    @Test
    void the_disk_limit_comes_first_and_names_its_setting() {
        SandboxIncidents incidents = new SandboxIncidents();
        FakeSandbox sandbox = watched(incidents);
        sandbox.diskLimit = new DiskLimitExceeded(1 << 20, 2 << 20, 1000, 10);
        sandbox.memoryKills = 1;

        StepFailure failure = incidents.failure(137).orElseThrow();
        assertThat(failure.reason()).isEqualTo(FailureReason.SANDBOX_FAILED);
        assertThat(failure.getMessage()).contains("disk limit").contains("MAGNET_SANDBOX_DISK_MB");
    }
}
