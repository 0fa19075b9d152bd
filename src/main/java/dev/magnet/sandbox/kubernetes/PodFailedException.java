package dev.magnet.sandbox.kubernetes;

import dev.magnet.sandbox.SandboxException;
import dev.magnet.sandbox.SandboxFailure;

/** A session's pod failed in a way the cluster reported: its kind and the pod's own reason ({@link PodState.Failure}). */
public final class PodFailedException extends SandboxException {
    private final transient PodState.Failure failure;

    PodFailedException(PodState.Failure failure) {
        super(failure.describe());
        this.failure = failure;
    }

    /** What went wrong, e.g. {@code IMAGE_PULL}. */
    public String kind() {
        return failure.kind().name();
    }

    /** The session's failure reason for it, e.g. {@link SandboxFailure#IMAGE_PULL_FAILED}. */
    @Override
    public SandboxFailure failure() {
        return failure.kind().failure();
    }

    /** The cluster's own reason, e.g. {@code ImagePullBackOff}. */
    public String reason() {
        return failure.reason();
    }
}
