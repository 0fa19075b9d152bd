package dev.magnet.sandbox.kubernetes;

import dev.magnet.gateway.Gateway;
import dev.magnet.sandbox.Images;
import dev.magnet.sandbox.ResourceLimits;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxException;
import dev.magnet.sandbox.SandboxProvider;
import dev.magnet.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code MAGNET_SANDBOX=kubernetes}: each session runs in a pod of its own in one namespace, made with the fabric8
 * client ({@link PodSpecs}). One watch on the session pods drives every sandbox's view of its pod ({@link PodState});
 * the pod's shim dials this server's {@link PodGateway} with the session's token. Pods outlive servers: a server that
 * picks a session up again adopts its running pod (found by its labels), and {@link #reconcile} deletes the pods of
 * sessions no server runs.
 */
public final class KubernetesSandboxProvider implements SandboxProvider, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubernetesSandboxProvider.class);

    private final KubernetesClient client;
    private final KubernetesSettings settings;
    private final ResourceLimits limits;
    private final Gateway gateway;
    private final PodGateway pods;
    private final PodTokens tokens;
    private final Path socketDir;
    private final Map<String, KubernetesSandbox> sandboxes = new ConcurrentHashMap<>();
    private volatile Watch watch;
    private volatile boolean closed;
    private AutoCloseable owned = () -> { };

    /**
     * @param tokens    signs each pod's gateway token (the key every server of the installation shares)
     * @param socketDir a short folder of this server for the sessions' gateway sockets the tunnels end at
     */
    public KubernetesSandboxProvider(KubernetesClient client, KubernetesSettings settings, ResourceLimits limits,
                                     Gateway gateway, PodGateway pods, PodTokens tokens, Path socketDir) {
        this.client = Objects.requireNonNull(client, "client");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.pods = Objects.requireNonNull(pods, "pods");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.socketDir = Objects.requireNonNull(socketDir, "socketDir");
        startWatch();
    }

    /**
     * The provider of a server in (or with a kubeconfig for) a cluster: the fabric8 client as it configures itself, and
     * the pod gateway listening at {@code gatewayBind:gatewayPort}, checking tokens signed with {@code tokens} (the key
     * all servers share). Closing it closes both.
     */
    public static KubernetesSandboxProvider connect(KubernetesSettings settings, String gatewayBind, int gatewayPort, ResourceLimits limits,
                                                    Gateway gateway, PodTokens tokens) {
        java.net.InetAddress bind;
        try {
            bind = java.net.InetAddress.getByName(gatewayBind);
        } catch (java.net.UnknownHostException e) {
            throw new SandboxException("MAGNET_KUBERNETES_GATEWAY_BIND is not an address: " + gatewayBind, e);
        }
        PodGateway pods = PodGateway.start(bind, gatewayPort, tokens);
        KubernetesClient client;
        try {
            client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().build();
        } catch (RuntimeException e) {
            pods.close();
            throw new SandboxException("cannot reach the Kubernetes API (in a cluster: the server's service account; "
                    + "outside: KUBECONFIG): " + e.getMessage(), e);
        }
        Path sockets = Path.of("/tmp", "magnet-pod-gateway-" + ProcessHandle.current().pid());
        try {
            java.nio.file.Files.createDirectories(sockets);
            java.nio.file.Files.setPosixFilePermissions(sockets, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (java.io.IOException e) {
            pods.close();
            client.close();
            throw new SandboxException("cannot create " + sockets + " for the sessions' gateway sockets: " + e.getMessage(), e);
        }
        KubernetesSandboxProvider provider = new KubernetesSandboxProvider(client, settings, limits, gateway, pods, tokens, sockets);
        provider.owned = () -> {
            pods.close();
            client.close();
        };
        return provider;
    }

    private void startWatch() {
        watch = client.pods().inNamespace(settings.namespace()).withLabels(PodSpecs.sessionSelector()).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                String session = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(PodSpecs.SESSION);
                KubernetesSandbox sandbox = session == null ? null : sandboxes.get(session);
                if (sandbox != null) {
                    sandbox.observe(pod, action == Action.DELETED);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                if (!closed) {
                    log.warn("the session pod watch closed ({}); watching again", cause.getMessage());
                    // why: not on the client's own thread, which must stay free to deliver the answers
                    Thread.ofVirtual().name("pod-watch-restart").start(() -> {
                        startWatch();
                        sandboxes.values().forEach(KubernetesSandbox::refresh);
                    });
                }
            }
        });
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        String ociImage = ociImage(spec.root().image());
        String sessionId = spec.sessionId();
        KubernetesSandbox previous = sandboxes.remove(sessionId);
        if (previous != null) {
            previous.release(); // why: its gateway sockets have the same names; its pod is adopted below
        }
        Optional<Pod> running = sessionPods(sessionId).stream()
                .filter(p -> PodState.of(p) instanceof PodState.Starting || PodState.of(p) instanceof PodState.Running)
                .filter(p -> ociImage.equals(agentImage(p)))
                .filter(KubernetesSandboxProvider::speaksThisProtocol)
                .findFirst();
        Gateway.SessionGateway sockets = gateway.open(sessionId, socketDir, -1, -1);
        PodGateway.Registration registration;
        try {
            registration = pods.register(sessionId, sockets.modelSocket(), sockets.proxySocket());
        } catch (RuntimeException e) {
            sockets.close();
            throw e;
        }
        boolean volumeKept = volumeExists(sessionId);
        KubernetesSandbox sandbox = new KubernetesSandbox(this, spec, spec.root().image(), ociImage, sockets, registration, volumeKept);
        sandboxes.put(sessionId, sandbox);
        try {
            if (running.isPresent()) {
                log.info("session {}: adopting its running pod {}", sessionId, running.get().getMetadata().getName());
                sandbox.adopt(running.get());
            } else {
                sandbox.newPod();
            }
            sandbox.awaitRunning();
            return sandbox;
        } catch (RuntimeException e) {
            sandbox.close();
            throw e;
        }
    }

    /** Creates the session's pod for attempt {@code attempt} (and its volume when it has none), deleting its earlier pods. */
    Pod createPod(String sessionId, int attempt, String image, String ociImage) {
        deletePods(sessionId);
        ensureVolume(sessionId);
        Pod pod = PodSpecs.sessionPod(settings, sessionId, attempt, image, ociImage, limits, tokens.issue(sessionId, attempt));
        try {
            return client.pods().inNamespace(settings.namespace()).resource(pod).create();
        } catch (KubernetesClientException e) {
            throw new SandboxException("cannot create the pod of session " + sessionId + " in namespace " + settings.namespace()
                    + ": " + e.getMessage(), e);
        }
    }

    private boolean volumeExists(String sessionId) {
        PersistentVolumeClaim claim = client.persistentVolumeClaims().inNamespace(settings.namespace())
                .withName(PodSpecs.volumeName(sessionId)).get();
        return claim != null && claim.getMetadata().getDeletionTimestamp() == null;
    }

    private void ensureVolume(String sessionId) {
        if (volumeExists(sessionId)) {
            return;
        }
        try {
            client.persistentVolumeClaims().inNamespace(settings.namespace()).resource(PodSpecs.sessionVolume(settings, sessionId)).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) { // why: 409 is another server (or an earlier attempt) that made it first
                throw new SandboxException("cannot create the volume of session " + sessionId + " in namespace " + settings.namespace()
                        + ": " + e.getMessage(), e);
            }
        }
    }

    /** The next attempt number of a session's pod: one more than any it has. */
    int nextAttempt(String sessionId) {
        return sessionPods(sessionId).stream().map(KubernetesSandboxProvider::attempt).max(Comparator.naturalOrder()).orElse(0) + 1;
    }

    Pod currentPod(String name) {
        return client.pods().inNamespace(settings.namespace()).withName(name).get();
    }

    private List<Pod> sessionPods(String sessionId) {
        return client.pods().inNamespace(settings.namespace()).withLabels(PodSpecs.sessionSelector())
                .withLabel(PodSpecs.SESSION, sessionId).list().getItems();
    }

    void deletePods(String sessionId) {
        try {
            client.pods().inNamespace(settings.namespace()).withLabels(PodSpecs.sessionSelector())
                    .withLabel(PodSpecs.SESSION, sessionId).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            log.warn("session {}: could not delete its pods: {}", sessionId, e.getMessage());
        }
    }

    void forget(String sessionId, KubernetesSandbox sandbox) {
        sandboxes.remove(sessionId, sandbox);
    }

    /** A session no live server runs: its pods are deleted (what ran there dies with them). */
    @Override
    public void discardLeftovers(String sessionId) {
        if (!sandboxes.containsKey(sessionId)) {
            deletePods(sessionId);
        }
    }

    /**
     * Deletes the session pods and volumes of this namespace whose session is not {@code live}: the teardown of sessions
     * that ended (failed, gone, completed and idle), and orphans of sessions that ended while no server watched or of a
     * database restored from a backup. Pods go first; a volume still mounted is removed by the cluster once its pod is.
     *
     * @return the names of the pods and volumes deleted
     */
    public List<String> reconcile(Predicate<String> live) {
        List<String> deleted = new ArrayList<>();
        Predicate<String> ended = session -> session == null || (!live.test(session) && !sandboxes.containsKey(session));
        for (Pod p : client.pods().inNamespace(settings.namespace()).withLabels(PodSpecs.sessionSelector()).list().getItems()) {
            if (ended.test(p.getMetadata().getLabels().get(PodSpecs.SESSION))) {
                client.pods().inNamespace(settings.namespace()).withName(p.getMetadata().getName()).withGracePeriod(0).delete();
                deleted.add(p.getMetadata().getName());
            }
        }
        for (PersistentVolumeClaim v : client.persistentVolumeClaims().inNamespace(settings.namespace())
                .withLabels(PodSpecs.sessionSelector()).list().getItems()) {
            if (ended.test(v.getMetadata().getLabels().get(PodSpecs.SESSION))) {
                client.persistentVolumeClaims().inNamespace(settings.namespace()).withName(v.getMetadata().getName()).delete();
                deleted.add(v.getMetadata().getName());
            }
        }
        if (!deleted.isEmpty()) {
            log.info("deleted {} session pod(s) and volume(s) no session needs: {}", deleted.size(), deleted);
        }
        return deleted;
    }

    /** {@link Images#HOST} (the default image) and the images the operator allows. */
    @Override
    public Set<String> images() {
        Set<String> names = new LinkedHashSet<>();
        names.add(Images.HOST);
        names.addAll(settings.images());
        return names;
    }

    @Override
    public String imageVersion(String image) {
        return ociImage(image);
    }

    private String ociImage(String image) {
        if (image.equals(Images.HOST)) {
            return settings.defaultImage();
        }
        if (!settings.images().contains(image)) {
            throw new SandboxException("image '" + image + "' is not one this server runs (MAGNET_KUBERNETES_IMAGES)");
        }
        return image;
    }

    KubernetesSettings settings() {
        return settings;
    }

    ResourceLimits limits() {
        return limits;
    }

    private static String agentImage(Pod pod) {
        return pod.getSpec().getContainers().stream().filter(c -> PodSpecs.AGENT_CONTAINER.equals(c.getName()))
                .map(io.fabric8.kubernetes.api.model.Container::getImage).findFirst().orElse("");
    }

    /** True for a pod whose shim reads its token from a file (pods of earlier versions cannot be served; a new one replaces them). */
    private static boolean speaksThisProtocol(Pod pod) {
        return pod.getSpec().getContainers().stream().filter(c -> PodSpecs.AGENT_CONTAINER.equals(c.getName()))
                .flatMap(c -> c.getEnv() == null ? java.util.stream.Stream.empty() : c.getEnv().stream())
                .anyMatch(e -> "SHIM_TOKEN_FILE".equals(e.getName()));
    }

    static int attempt(Pod pod) {
        try {
            return Integer.parseInt(pod.getMetadata().getLabels().getOrDefault(PodSpecs.ATTEMPT, "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public void close() {
        closed = true;
        Watch w = watch;
        if (w != null) {
            w.close();
        }
        sandboxes.values().forEach(KubernetesSandbox::release);
        try {
            owned.close();
        } catch (Exception e) {
            log.warn("closing the Kubernetes client: {}", e.getMessage());
        }
    }
}
