package dev.magnet.sandbox;

/**
 * What kind of sandbox failure a session shows as its failure reason: most are {@link #SANDBOX_FAILED}; a Kubernetes pod
 * says more (its image could not be pulled, no node could take it, its node evicted it, it went over its memory limit).
 * Each constant names the session's failure reason of the same name.
 */
public enum SandboxFailure {
    SANDBOX_FAILED, IMAGE_PULL_FAILED, UNSCHEDULABLE, EVICTED, OOM_KILLED
}
