package dev.magnet.sandbox.kubernetes;

import dev.magnet.gateway.Gateway;
import dev.magnet.sandbox.AgentView;
import dev.magnet.sandbox.DiskLimitExceeded;
import dev.magnet.sandbox.ResourceLimits;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxException;
import dev.magnet.sandbox.SandboxProcess;
import dev.magnet.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's pod as a {@link Sandbox}. Processes start through the pod's shim ({@link PodGateway.Registration});
 * the repository moves in and out as data over their stdio ({@code git/WorkspaceTransfer}), so git credentials never
 * enter the pod. The pod watch ({@link #observe}) keeps {@link #state} current: a pod that fails stops what this server
 * reaches in it, an out-of-memory kill counts in {@link #memoryKills()}, a lost pod in {@link #losses()}, and the next
 * process a pod lost to deletion, eviction, a memory kill or an exit needs starts in a new pod of the session over the
 * same volume (workspace and home as they were); a pod that cannot be pulled, scheduled or configured fails with its
 * reason.
 */
final class KubernetesSandbox implements Sandbox {
    private static final Logger log = LoggerFactory.getLogger(KubernetesSandbox.class);

    private final KubernetesSandboxProvider provider;
    private final SandboxSpec spec;
    private final String image;
    private final String ociImage;
    private final Gateway.SessionGateway sockets;
    private final PodGateway.Registration registration;
    private final List<SandboxProcess> processes = new CopyOnWriteArrayList<>();
    private volatile String podName;
    private volatile int attempt;
    private volatile PodState state = new PodState.Starting("not created");
    private volatile long memoryKills;
    private volatile int podsLost;
    private volatile boolean countedOom;
    private volatile boolean closed;
    private final boolean volumeKept;
    private final List<Loss> losses = new CopyOnWriteArrayList<>();
    private volatile String lossCounted;

    /** @param volumeKept the session's volume was there before: its workspace is the one a sandbox of the session left */
    KubernetesSandbox(KubernetesSandboxProvider provider, SandboxSpec spec, String image, String ociImage,
                      Gateway.SessionGateway sockets, PodGateway.Registration registration, boolean volumeKept) {
        this.volumeKept = volumeKept;
        this.provider = provider;
        this.spec = spec;
        this.image = image;
        this.ociImage = ociImage;
        this.sockets = sockets;
        this.registration = registration;
    }

    synchronized void adopt(Pod pod) {
        podName = pod.getMetadata().getName();
        attempt = KubernetesSandboxProvider.attempt(pod);
        countedOom = false;
        state = PodState.of(pod);
        registration.accept(attempt);
    }

    /**
     * Creates the session's next pod. No lock is held across calls to the API: the watch delivers its events on the
     * client's threads, and a watch event waiting for a lock would hold back the answer being waited for.
     */
    void newPod() {
        int next = Math.max(attempt + 1, provider.nextAttempt(spec.sessionId()));
        synchronized (this) {
            podName = PodSpecs.podName(spec.sessionId(), next);
            attempt = next;
            countedOom = false;
            state = new PodState.Starting("created");
            registration.accept(next);
        }
        provider.createPod(spec.sessionId(), next, image, ociImage);
    }

    /** What the pod watch saw of a session pod ({@code gone}: it was deleted). Pods of earlier attempts are ignored. */
    void observe(Pod pod, boolean gone) {
        PodState seen;
        synchronized (this) {
            if (!pod.getMetadata().getName().equals(podName)) {
                return;
            }
            seen = gone ? PodState.of(null) : PodState.of(pod);
            if (seen instanceof PodState.Failure f && f.kind() == PodState.Kind.OUT_OF_MEMORY && !countedOom) {
                countedOom = true;
                memoryKills++;
            }
            if (seen instanceof PodState.Failure f && f.kind().recoverable() && !podName.equals(lossCounted)) {
                lossCounted = podName;
                losses.add(new Loss(f.kind().failure(), f.describe()));
            }
            state = seen;
            notifyAll();
        }
        if (seen instanceof PodState.Failure f && !closed) {
            log.warn("session {}: pod {} failed: {}", spec.sessionId(), pod.getMetadata().getName(), f.describe());
            // why: what ran in a dead pod cannot answer; its connections would otherwise wait for a timeout
            processes.forEach(SandboxProcess::killTree);
            processes.clear();
            registration.disconnect();
        }
    }

    /** Reads the pod again (after the watch was re-established, events may have been missed). */
    void refresh() {
        String name = podName;
        if (name != null) {
            Pod pod = provider.currentPod(name);
            observe(pod == null ? new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(name).endMetadata().build()
                    : pod, pod == null);
        }
    }

    /**
     * Waits until the pod runs and its shim is connected.
     *
     * @throws SandboxException with the pod's own reason when it fails, or when it takes longer than the start timeout
     */
    void awaitRunning() {
        Instant deadline = Instant.now().plus(provider.settings().startTimeout());
        while (true) {
            PodState seen;
            synchronized (this) {
                seen = state;
                if (seen instanceof PodState.Running && registration.connected()) {
                    return;
                }
                if (seen instanceof PodState.Failure f) {
                    throw new PodFailedException(f);
                }
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    throw new SandboxException("the pod of session " + spec.sessionId() + " did not start within "
                            + provider.settings().startTimeout().toSeconds() + " s (" + (seen instanceof PodState.Starting s
                            ? s.detail() : "running, but its shim did not connect to " + provider.settings().podGateway()) + ")");
                }
                try {
                    wait(Math.min(left, seen instanceof PodState.Running ? 50 : 1000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SandboxException("interrupted while waiting for the pod of session " + spec.sessionId());
                }
                seen = state;
            }
            if (seen instanceof PodState.Starting) {
                refresh(); // why: the watch may lag or have been re-established; never read while holding the lock the watch needs
            }
        }
    }

    /** A running pod: the current one, or a new one when the current was lost in a way a new pod may cure. */
    private void ensurePod() {
        if (closed) {
            throw new SandboxException("the sandbox of session " + spec.sessionId() + " is closed");
        }
        boolean lost;
        synchronized (this) {
            lost = state instanceof PodState.Failure;
            if (state instanceof PodState.Failure f) {
                if (!f.kind().recoverable()) {
                    throw new PodFailedException(f);
                }
                podsLost++;
                log.warn("session {}: pod {} was lost ({}); starting pod attempt {}", spec.sessionId(), podName, f.describe(), attempt + 1);
                state = new PodState.Starting("replacing the lost pod");
            }
        }
        if (lost) {
            newPod();
        }
        awaitRunning();
    }

    @Override
    public SandboxProcess start(List<String> command, Map<String, String> environment) {
        ensurePod();
        SandboxProcess p = registration.start(command, environment, provider.settings().startTimeout());
        processes.add(p);
        processes.removeIf(x -> !x.isAlive());
        return p;
    }

    /** As {@link #start}: a pod has no network namespace of its own for helpers; they run as the agent's account. */
    @Override
    public SandboxProcess exec(List<String> command, Map<String, String> environment) {
        return start(command, environment);
    }

    @Override
    public SandboxSpec spec() {
        return spec;
    }

    /**
     * True when the session's volume was there before this sandbox (a pod adopted after a server restart, or a session
     * picked up again before its volume was torn down): its workspace is the one a sandbox of the session left.
     */
    @Override
    public boolean keepsWorkspace() {
        return volumeKept;
    }

    /** The pods of this sandbox that were lost (deleted, evicted, killed for memory, exited), with the cluster's reason. */
    @Override
    public List<Loss> losses() {
        if (!(state instanceof PodState.Failure) && !closed) {
            refresh(); // why: the process may have seen its connection break before the watch reported the pod
        }
        return List.copyOf(losses);
    }

    @Override
    public AgentView view() {
        return new AgentView(Path.of(PodSpecs.WORKSPACE), Path.of(PodSpecs.HOME), Path.of(PodSpecs.TMP), Path.of(PodSpecs.CLAUDE),
                "http://127.0.0.1:" + PodSpecs.MODEL_PORT, "http://127.0.0.1:" + PodSpecs.PROXY_PORT);
    }

    @Override
    public void stopProcesses() {
        processes.forEach(SandboxProcess::killTree);
        processes.clear();
        registration.killAll();
    }

    @Override
    public long memoryKills() {
        return memoryKills;
    }

    @Override
    public long processLimitHits() {
        return 0;
    }

    @Override
    public Optional<DiskLimitExceeded> diskLimitExceeded() {
        return Optional.empty();
    }

    /** The pod's name, attempt and state as this server last saw them. */
    String podName() {
        return podName;
    }

    PodState state() {
        return state;
    }

    @Override
    public Map<String, Object> describe() {
        ResourceLimits limits = provider.limits();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("provider", "kubernetes");
        d.put("namespace", provider.settings().namespace());
        d.put("pod", podName);
        d.put("attempt", attempt);
        d.put("image", ociImage);
        d.put("uid", PodSpecs.UID);
        d.put("volume", PodSpecs.volumeName(spec.sessionId()));
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("memoryMiB", limits.memoryMiB());
        l.put("cpus", limits.cpus());
        l.put("diskMiB", limits.diskMiB());
        l.put("enforcedBy", "pod resources (requests = limits), the session volume's size and emptyDir size limits");
        d.put("limits", l);
        d.put("seccomp", "RuntimeDefault");
        d.put("network", "a NetworkPolicy allows only Magnet's pod gateway (model relay and egress proxy, per-session token) and DNS");
        if (podsLost > 0) {
            d.put("podsLost", podsLost);
        }
        return d;
    }

    /** Leaves the pod running (a new sandbox of the session adopts it) and gives up this server's hold on it. */
    void release() {
        closed = true;
        processes.forEach(SandboxProcess::killTree);
        processes.clear();
        registration.close();
        sockets.close();
    }

    /** Kills everything and deletes the session's pod. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        release();
        provider.forget(spec.sessionId(), this);
        provider.deletePods(spec.sessionId());
    }
}
