package dev.magnet.sandbox;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One session's isolated place to run the agent. The sandbox's account owns the workspace, home and temp folder;
 * the host never runs a program in them (SECURITY.md, rule 1): the repository moves in and out as data through
 * {@link #exec} helpers. Closing the sandbox kills everything still running inside and releases what it holds
 * (limits, gateway sockets).
 */
public interface Sandbox extends AutoCloseable {

    /**
     * Starts a process inside the sandbox with exactly the given environment (nothing is inherited from
     * the server), the workspace as its working directory and piped stdio. Paths in the command and the
     * environment are the ones of {@link #view()}.
     *
     * @throws SandboxException when it cannot start
     */
    SandboxProcess start(List<String> command, Map<String, String> environment);

    /**
     * As {@link #start}, but as root inside the sandbox: uid 0 of the sandbox's own user namespace, which is the same
     * unprivileged account outside, with the capabilities that namespace grants on the files that account owns.
     * Setup scripts run so (SPEC §5). Providers without a user namespace start the command as {@link #start} does.
     *
     * @throws SandboxException when it cannot start
     */
    default SandboxProcess startAsRoot(List<String> command, Map<String, String> environment) {
        return start(command, environment);
    }

    /**
     * Starts a helper command inside the sandbox, as the agent's account, with no network at all (no gateway),
     * exactly the given environment, the workspace as its working directory and piped stdio. Magnet moves the
     * repository into and out of the workspace with such helpers.
     *
     * @throws SandboxException when it cannot start
     */
    SandboxProcess exec(List<String> command, Map<String, String> environment);

    /**
     * As {@link #start}, for a service that keeps running (an environment's run script): when {@code port} is set, that
     * port of the sandbox's own loopback becomes reachable from the host through {@link #servicePort} once something
     * listens on it. One service at a time: starting another stops nothing, but only the last one's port is forwarded.
     *
     * @throws SandboxException when it cannot start
     */
    default SandboxProcess startService(List<String> command, Map<String, String> environment, Integer port) {
        if (port != null) {
            throw new SandboxException("this sandbox cannot forward a port");
        }
        return start(command, environment);
    }

    /**
     * A unix socket on the host connected to the service's port inside, empty while the port does not listen.
     *
     * @param refresh true after a connection to the socket given before failed (the forwarder inside made a new one)
     */
    default Optional<java.nio.file.Path> servicePort(boolean refresh) {
        return Optional.empty();
    }

    SandboxSpec spec();

    /**
     * Kills everything inside and unmounts the session's layer, so that its writable folder can be kept or dropped;
     * no process starts until {@link #mountLayer}. Sandboxes without a layer (image {@code host}) only kill.
     */
    default void unmountLayer() {
        stopProcesses();
    }

    /**
     * Mounts the session's layer again over {@code snapshots} (topmost first) and the image, with
     * {@code cachedWorkspace} (or null) bound read-only at {@link SandboxSpec.RootFs#CACHED_WORKSPACE}. Sandboxes without
     * a layer do nothing.
     *
     * @throws SandboxException when the layer cannot be mounted
     */
    default void mountLayer(List<java.nio.file.Path> snapshots, java.nio.file.Path cachedWorkspace) {
    }

    /**
     * True when the sandbox's workspace is one a sandbox of the session made before and left as it was, although the
     * server's own workspace folder is empty: a Kubernetes pod adopted after a server restart. Local sandboxes keep
     * their workspace in the server's folder and answer false.
     */
    default boolean keepsWorkspace() {
        return false;
    }

    /**
     * What ended the places this sandbox's processes ran in, oldest first, when its workspace and home outlived them (a
     * Kubernetes pod deleted or evicted; its volume stays): whatever ran there was killed, and the next process starts in
     * a new one over the same workspace and home, so the agent can be resumed. Local sandboxes lose nothing of the kind.
     * May ask the cluster, so call it when a process ended unexpectedly rather than in a loop.
     */
    default List<Loss> losses() {
        return List.of();
    }

    /** One loss of the place a sandbox's processes ran in: its kind and a sentence with the cluster's own reason. */
    record Loss(SandboxFailure failure, String description) {
    }

    /** Paths and endpoints as seen from inside. */
    AgentView view();

    /** Kills everything still running inside (the agent's background tools too); the sandbox stays usable. */
    void stopProcesses();

    /** How many processes the kernel has killed in this sandbox for exceeding its memory limit so far. */
    long memoryKills();

    /** How many times a process in this sandbox could not fork because the process limit was reached, so far. */
    long processLimitHits();

    /**
     * Set once the session's workspace, home and temp folder went past the disk limit while something ran; by
     * then everything in the sandbox was killed and no new process starts.
     */
    Optional<DiskLimitExceeded> diskLimitExceeded();

    /** What isolates and limits this sandbox, as reported in the session (provider, account, limits, network). */
    Map<String, Object> describe();

    @Override
    void close();
}
