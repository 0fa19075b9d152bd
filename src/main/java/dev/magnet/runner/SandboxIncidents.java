package dev.magnet.runner;

import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxFailure;
import dev.magnet.session.FailureReason;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What went wrong in one run's sandbox while the agent worked: processes killed at the memory limit, a command that
 * filled the process limit, the place the sandbox ran in lost (a Kubernetes pod), the disk limit. Each is counted
 * against what was seen already, so the workflow can tell a new incident from an old one and decide: note it, resume
 * the agent (at most {@link #MAX_PROCESS_LIMIT_RESUMES} / {@link #MAX_SANDBOX_LOSS_RESUMES} times a run), or fail the
 * session with the reason that names it. It words the {@code error} events and failures; the workflow acts on them.
 */
final class SandboxIncidents {
    /** How many times one workflow resumes an agent that a command took down at the process limit. */
    static final int MAX_PROCESS_LIMIT_RESUMES = 3;
    /** How many times one workflow resumes an agent whose sandbox lost the place it ran in. */
    static final int MAX_SANDBOX_LOSS_RESUMES = 3;

    private Sandbox sandbox;
    private long memoryKillsSeen;
    private long processLimitHitsSeen;
    private int processLimitResumes;
    private int lossesSeen;
    private int lossResumes;

    /** Counts from now on in {@code made}, a new sandbox of the run: what it counted before is not this run's. */
    void watch(Sandbox made) {
        sandbox = made;
        memoryKillsSeen = made.memoryKills();
        processLimitHitsSeen = made.processLimitHits();
        lossesSeen = 0;
    }

    /** The {@code error} event's text when the kernel killed a process at the memory limit since last asked. */
    Optional<String> newMemoryKill() {
        long kills = sandbox.memoryKills();
        if (kills <= memoryKillsSeen) {
            return Optional.empty();
        }
        memoryKillsSeen = kills;
        return Optional.of("A process in the sandbox went past the session's memory limit and was killed " + limitText() + ".");
    }

    /**
     * True when the agent died because a command kept forking and filled the process limit it shares with its tools
     * (not of memory), and it may be resumed once more. The workflow then stops what is left and calls
     * {@link #resumingAfterProcessLimit}.
     */
    boolean mayResumeAfterProcessLimit() {
        return sandbox.processLimitHits() > processLimitHitsSeen && sandbox.memoryKills() <= memoryKillsSeen
                && processLimitResumes < MAX_PROCESS_LIMIT_RESUMES;
    }

    /** Counts a resume after the process limit (once the sandbox is stopped) and gives the {@code error} event's text. */
    String resumingAfterProcessLimit() {
        processLimitResumes++;
        processLimitHitsSeen = sandbox.processLimitHits();
        return "A command in the sandbox hit the session's process limit (" + limitValue("maxProcesses")
                + " processes and threads) and stopped the agent; everything left in the sandbox was killed "
                + "and the agent continues (" + processLimitResumes + " of " + MAX_PROCESS_LIMIT_RESUMES + ").";
    }

    /**
     * When the place the sandbox ran in was lost (its workspace and home outlived it), not for memory, and the agent may
     * be resumed once more in a new one: counts the resume and gives the {@code error} event's text, with the cluster's
     * own reason. why: one call, since asking for the losses may ask the cluster.
     */
    Optional<String> resumeAfterLoss() {
        List<Sandbox.Loss> losses = sandbox.losses();
        if (losses.size() <= lossesSeen || sandbox.memoryKills() > memoryKillsSeen || lossResumes >= MAX_SANDBOX_LOSS_RESUMES) {
            return Optional.empty();
        }
        lossResumes++;
        lossesSeen = losses.size();
        return Optional.of("The session's sandbox was lost (" + losses.getLast().description() + "); the agent continues "
                + "in a new one with the same workspace (" + lossResumes + " of " + MAX_SANDBOX_LOSS_RESUMES + ").");
    }

    /**
     * Why the agent died with exit code {@code code}, when the sandbox knows: the disk limit, the memory limit (a pod
     * killed for memory says so in its own reason), the process limit, or the place it ran in lost. Empty when none of
     * them happened: the agent itself failed.
     */
    Optional<StepFailure> failure(int code) {
        if (sandbox.diskLimitExceeded().isPresent()) {
            return Optional.of(new StepFailure(FailureReason.SANDBOX_FAILED, sandbox.diskLimitExceeded().get().message()
                    + " Raise MAGNET_SANDBOX_DISK_MB (or MAGNET_SANDBOX_MAX_FILES) if the task needs more, then retry."));
        }
        if (sandbox.memoryKills() > memoryKillsSeen) {
            // why: a Kubernetes pod killed for memory says so in its own reason; a local sandbox's kill stays sandbox_failed
            boolean podKilled = sandbox.losses().stream().skip(lossesSeen).anyMatch(l -> l.failure() == SandboxFailure.OOM_KILLED);
            FailureReason reason = podKilled ? FailureReason.OOM_KILLED : FailureReason.SANDBOX_FAILED;
            return Optional.of(new StepFailure(reason, "The session ran out of memory: the agent went past "
                    + "the sandbox's memory limit " + limitText() + " and was killed (exit code " + code + "). "
                    + "Raise MAGNET_SANDBOX_MEMORY_MB or give the agent a smaller task, then retry."));
        }
        if (sandbox.processLimitHits() > processLimitHitsSeen) {
            return Optional.of(new StepFailure(FailureReason.SANDBOX_FAILED, "The session hit the sandbox's process limit ("
                    + limitValue("maxProcesses") + " processes and threads) and the agent could not go on (exit code "
                    + code + "); something it ran kept starting processes"
                    + (processLimitResumes == 0 ? "" : ", also after " + processLimitResumes + " resumes")
                    + ". Raise MAGNET_SANDBOX_MAX_PROCESSES if the task needs more, then retry."));
        }
        List<Sandbox.Loss> losses = sandbox.losses();
        if (losses.size() > lossesSeen) {
            return Optional.of(new StepFailure(Provisioner.reasonOf(losses.getLast().failure()), "The session's sandbox was "
                    + "lost (" + losses.getLast().description() + ")"
                    + (lossResumes == 0 ? "" : ", also after " + lossResumes + " resumes") + "."));
        }
        return Optional.empty();
    }

    private String limitText() {
        Object memory = limitValue("memoryMiB");
        return memory == null ? "" : "(limit " + memory + " MiB)";
    }

    private Object limitValue(String name) {
        return sandbox.describe().get("limits") instanceof Map<?, ?> m ? m.get(name) : null;
    }
}
