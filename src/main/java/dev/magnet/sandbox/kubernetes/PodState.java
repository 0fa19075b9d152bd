package dev.magnet.sandbox.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where a session's pod is, read from what the cluster reports: still starting, running, or failed with a typed
 * {@link Failure} that carries the pod's own reason and message.
 */
sealed interface PodState {

    /** Scheduled or not yet, pulling, initialising: give it time. */
    record Starting(String detail) implements PodState {
    }

    /** The agent container runs: its shim can be reached. */
    record Running() implements PodState {
    }

    /** The pod will not run (again); {@code reason} is the cluster's own word for it (e.g. {@code ImagePullBackOff}). */
    record Failure(Kind kind, String reason, String message) implements PodState {
        /** A sentence for the session's failure message. */
        public String describe() {
            return kind.sentence + " (" + reason + (message == null || message.isBlank() ? "" : ": " + message) + ")";
        }
    }

    /** What went wrong with a session pod. */
    enum Kind {
        IMAGE_PULL("the session's image could not be pulled"),
        UNSCHEDULABLE("no node can run the session's pod"),
        EVICTED("the node evicted the session's pod"),
        OUT_OF_MEMORY("the session's pod went over its memory limit and was killed"),
        CONFIG("the session's pod could not be configured"),
        EXITED("the session's pod stopped"),
        DELETED("the session's pod was deleted");

        private final String sentence;

        Kind(String sentence) {
            this.sentence = sentence;
        }

        /** The session's failure reason when this ends it. */
        dev.magnet.sandbox.SandboxFailure failure() {
            return switch (this) {
                case IMAGE_PULL -> dev.magnet.sandbox.SandboxFailure.IMAGE_PULL_FAILED;
                case UNSCHEDULABLE -> dev.magnet.sandbox.SandboxFailure.UNSCHEDULABLE;
                case EVICTED -> dev.magnet.sandbox.SandboxFailure.EVICTED;
                case OUT_OF_MEMORY -> dev.magnet.sandbox.SandboxFailure.OOM_KILLED;
                case CONFIG, EXITED, DELETED -> dev.magnet.sandbox.SandboxFailure.SANDBOX_FAILED;
            };
        }

        /** True when a new pod of the session may run where this one did not: it was lost, not refused. */
        boolean recoverable() {
            return this == EVICTED || this == OUT_OF_MEMORY || this == EXITED || this == DELETED;
        }
    }

    Set<String> PULL_REASONS = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
            "RegistryUnavailable");
    Set<String> CONFIG_REASONS = Set.of("CreateContainerConfigError", "CreateContainerError", "RunContainerError");

    /** Reads the pod as the cluster reports it; null (a deleted pod) is {@link Kind#DELETED}. */
    static PodState of(Pod pod) {
        if (pod == null) {
            return new Failure(Kind.DELETED, "NotFound", "the pod is gone");
        }
        PodStatus status = pod.getStatus();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return new Failure(Kind.DELETED, "Terminating", "the pod is being deleted");
        }
        if (status == null) {
            return new Starting("created");
        }
        if ("Evicted".equals(status.getReason())) {
            return new Failure(Kind.EVICTED, "Evicted", status.getMessage());
        }
        List<ContainerStatus> containers = new ArrayList<>();
        if (status.getInitContainerStatuses() != null) {
            containers.addAll(status.getInitContainerStatuses());
        }
        if (status.getContainerStatuses() != null) {
            containers.addAll(status.getContainerStatuses());
        }
        for (ContainerStatus c : containers) {
            Optional<Failure> failed = failure(c);
            if (failed.isPresent()) {
                return failed.get();
            }
        }
        if ("Failed".equals(status.getPhase()) || "Succeeded".equals(status.getPhase())) {
            return new Failure(Kind.EXITED, status.getReason() == null ? status.getPhase() : status.getReason(), status.getMessage());
        }
        if (status.getConditions() != null) {
            for (PodCondition c : status.getConditions()) {
                if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
                    return new Failure(Kind.UNSCHEDULABLE, "Unschedulable", c.getMessage());
                }
            }
        }
        if ("Running".equals(status.getPhase()) && status.getContainerStatuses() != null && status.getContainerStatuses().stream()
                .anyMatch(c -> PodSpecs.AGENT_CONTAINER.equals(c.getName()) && c.getState() != null && c.getState().getRunning() != null)) {
            return new Running();
        }
        return new Starting(status.getPhase() == null ? "pending" : status.getPhase());
    }

    private static Optional<Failure> failure(ContainerStatus c) {
        if (c.getState() == null) {
            return Optional.empty();
        }
        ContainerStateWaiting waiting = c.getState().getWaiting();
        if (waiting != null && PULL_REASONS.contains(waiting.getReason())) {
            return Optional.of(new Failure(Kind.IMAGE_PULL, waiting.getReason(), c.getImage() + ": " + nullToEmpty(waiting.getMessage())));
        }
        if (waiting != null && CONFIG_REASONS.contains(waiting.getReason())) {
            return Optional.of(new Failure(Kind.CONFIG, waiting.getReason(), waiting.getMessage()));
        }
        ContainerStateTerminated terminated = c.getState().getTerminated();
        if (terminated == null && c.getLastState() != null) {
            terminated = c.getLastState().getTerminated();
        }
        if (terminated != null && "OOMKilled".equals(terminated.getReason())) {
            return Optional.of(new Failure(Kind.OUT_OF_MEMORY, "OOMKilled", "container " + c.getName() + " exit " + terminated.getExitCode()));
        }
        ContainerStateTerminated now = c.getState().getTerminated();
        if (now != null && PodSpecs.AGENT_CONTAINER.equals(c.getName())) {
            return Optional.of(new Failure(Kind.EXITED, now.getReason() == null ? "Terminated" : now.getReason(),
                    "container " + c.getName() + " exit " + now.getExitCode()));
        }
        if (now != null && now.getExitCode() != null && now.getExitCode() != 0) {
            return Optional.of(new Failure(Kind.EXITED, now.getReason() == null ? "Error" : now.getReason(),
                    "container " + c.getName() + " exit " + now.getExitCode()));
        }
        return Optional.empty();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
