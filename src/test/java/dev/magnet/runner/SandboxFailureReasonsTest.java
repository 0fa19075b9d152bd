package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.sandbox.SandboxFailure;
import dev.magnet.session.FailureReason;
import org.junit.jupiter.api.Test;

/** Each kind of sandbox failure (a pod's image pull, scheduling, eviction, memory kill) is a failure reason sessions show. */
class SandboxFailureReasonsTest {

    @Test
    void every_kind_of_sandbox_failure_is_the_sessions_failure_reason_of_the_same_name() {
        for (SandboxFailure f : SandboxFailure.values()) {
            assertThat(Provisioner.reasonOf(f).name()).isEqualTo(f.name());
        }
        assertThat(Provisioner.reasonOf(SandboxFailure.IMAGE_PULL_FAILED).wire()).isEqualTo("image_pull_failed");
        assertThat(FailureReason.fromWire("oom_killed")).isEqualTo(FailureReason.OOM_KILLED);
    }
}
