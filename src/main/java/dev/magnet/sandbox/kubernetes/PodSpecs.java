package dev.magnet.sandbox.kubernetes;

import dev.magnet.sandbox.ResourceLimits;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The session pod, and the network policy that fences every session pod in: pure functions of the session, its image,
 * the limits and the settings, so that their YAML can be compared with the golden files under
 * {@code src/test/resources/kubernetes}.
 */
final class PodSpecs {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String COMPONENT = "app.kubernetes.io/component";
    static final String SESSION = "magnet.dev/session";
    static final String ATTEMPT = "magnet.dev/attempt";
    static final String IMAGE = "magnet.dev/image";
    static final String AGENT_CONTAINER = "agent";
    static final String TOOLS_CONTAINER = "magnet-tools";
    /** The account the agent runs as in the pod, as in Magnet's agent image. */
    static final long UID = 1000;
    static final String WORKSPACE = "/workspace";
    static final String HOME = "/home/agent";
    static final String TMP = "/tmp";
    static final String TOOLS = "/opt/magnet";
    static final String CLAUDE = TOOLS + "/bin/claude";
    /** A memory-backed folder the init container writes the pod's gateway token into; the shim reads and deletes it. */
    static final String SHIM_DIR = "/run/magnet-shim";
    static final String TOKEN_FILE = SHIM_DIR + "/token";
    static final int MODEL_PORT = 18095;
    static final int PROXY_PORT = 3128;
    /** The size limits of the pod's own temp folder and of its copy of the agent image's tools. */
    static final long TMP_MIB = 1024;
    static final long TOOLS_MIB = 1024;
    /** The labels of the Magnet server pods (deploy/kubernetes), the only place session pods may reach. */
    static final Map<String, String> SERVER_LABELS = Map.of("app.kubernetes.io/name", "magnet", COMPONENT, "server");

    private PodSpecs() {
    }

    /** The labels every session pod carries; with {@link #SESSION} they find one session's pod. */
    static Map<String, String> sessionSelector() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY, "magnet");
        labels.put(COMPONENT, "session");
        return labels;
    }

    /** The name of the session's volume (its workspace and home), the same for all its pods. */
    static String volumeName(String sessionId) {
        String id = sessionId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        return "magnet-" + (id.length() <= 63 - 12 ? id : id.substring(0, 63 - 12)) + "-data";
    }

    /**
     * The session's volume: its workspace and home, on a claim of {@code volumeMiB} of the configured storage class, so
     * that a pod lost mid-turn is replaced by one that finds the workspace and the agent's transcript as they were. It
     * carries the session's labels (the reconciler deletes the volumes of sessions that ended) and lives until then.
     */
    static PersistentVolumeClaim sessionVolume(KubernetesSettings settings, String sessionId) {
        Map<String, String> labels = sessionSelector();
        labels.put(SESSION, sessionId);
        return new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(volumeName(sessionId)).withNamespace(settings.namespace()).withLabels(labels).endMetadata()
                .withNewSpec()
                .withAccessModes("ReadWriteOnce")
                .withStorageClassName(settings.storageClass())
                .withNewResources().withRequests(Map.of("storage", new Quantity(settings.volumeMiB() + "Mi"))).endResources()
                .endSpec()
                .build();
    }

    static String podName(String sessionId, int attempt) {
        String id = sessionId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        String name = "magnet-" + id + "-" + attempt;
        return name.length() <= 63 ? name : "magnet-" + id.substring(0, 63 - 8 - Integer.toString(attempt).length()) + "-" + attempt;
    }

    /**
     * The pod of one session: the shim as its main process in the environment's image, the agent image's tools copied
     * in by an init container, workspace and home on the session's volume ({@link #sessionVolume}), its temp folder on
     * one the pod owns, non-root with a read-only root file system, seccomp {@code RuntimeDefault}, no capabilities, no
     * service-account token, requests and limits from {@code limits}.
     */
    static Pod sessionPod(KubernetesSettings settings, String sessionId, int attempt, String image, String ociImage,
                          ResourceLimits limits, String token) {
        Map<String, String> labels = sessionSelector();
        labels.put(SESSION, sessionId);
        labels.put(ATTEMPT, Integer.toString(attempt));
        Map<String, Quantity> resources = new LinkedHashMap<>();
        resources.put("cpu", new Quantity(Long.toString(Math.round(limits.cpus() * 1000)) + "m"));
        resources.put("memory", new Quantity(limits.memoryMiB() + "Mi"));
        // why: workspace and home are on the session's volume; the node's disk holds only tmp, the tools and the logs
        resources.put("ephemeral-storage", new Quantity((TMP_MIB + TOOLS_MIB + 1024) + "Mi"));
        Container tools = new ContainerBuilder()
                .withName(TOOLS_CONTAINER)
                .withImage(settings.agentImage())
                .withImagePullPolicy("IfNotPresent")
                // why: the token goes to the shim as a file it deletes, never in its environment, which the agent (same
                // uid) could read in /proc/1/environ
                .withCommand("sh", "-c", "cp -a " + TOOLS + "/. /tools/ && mkdir -p /data/workspace /data/home"
                        + " && umask 077 && printf %s \"$SHIM_TOKEN\" > " + TOKEN_FILE)
                .withEnv(env("SHIM_TOKEN", token))
                .withVolumeMounts(mount("tools", "/tools", false), mount("shim", SHIM_DIR, false), mount("data", "/data", false))
                .withSecurityContext(restricted())
                .withNewResources().withRequests(new java.util.TreeMap<>(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("64Mi"))))
                .withLimits(new java.util.TreeMap<>(Map.of("cpu", new Quantity("500m"), "memory", new Quantity("256Mi")))).endResources()
                .build();
        Container agent = new ContainerBuilder()
                .withName(AGENT_CONTAINER)
                .withImage(ociImage)
                .withImagePullPolicy("IfNotPresent")
                .withCommand(TOOLS + "/jre/bin/java", "-XX:+UseSerialGC", "-Xmx48m", "-Xss512k", "-cp", TOOLS + "/shim",
                        PodShim.class.getName())
                .withWorkingDir(WORKSPACE)
                .withEnv(env("SHIM_GATEWAY", settings.podGateway()), env("SHIM_TOKEN_FILE", TOKEN_FILE),
                        env("SHIM_WORKDIR", WORKSPACE), env("SHIM_MODEL_PORT", Integer.toString(MODEL_PORT)),
                        env("SHIM_PROXY_PORT", Integer.toString(PROXY_PORT)), env("HOME", HOME))
                .withVolumeMounts(subPath("data", WORKSPACE, "workspace"), subPath("data", HOME, "home"), mount("tmp", TMP, false),
                        mount("tools", TOOLS, true), mount("shim", SHIM_DIR, false))
                .withSecurityContext(restricted())
                .withNewResources().withRequests(resources).withLimits(resources).endResources()
                .build();
        return new PodBuilder()
                .withNewMetadata()
                .withName(podName(sessionId, attempt))
                .withNamespace(settings.namespace())
                .withLabels(labels)
                .withAnnotations(Map.of(IMAGE, image))
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withHostNetwork(false).withHostPID(false).withHostIPC(false)
                .withTerminationGracePeriodSeconds(5L)
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(UID).withRunAsGroup(UID).withFsGroup(UID)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .withInitContainers(tools)
                .withContainers(agent)
                .withVolumes(new VolumeBuilder().withName("data").withNewPersistentVolumeClaim().withClaimName(volumeName(sessionId))
                                .endPersistentVolumeClaim().build(), emptyDir("tmp", TMP_MIB),
                        emptyDir("tools", TOOLS_MIB), new VolumeBuilder().withName("shim").withNewEmptyDir().withMedium("Memory")
                                .withSizeLimit(new Quantity("1Mi")).endEmptyDir().build())
                .endSpec()
                .build();
    }

    /**
     * Fences in every session pod of the namespace: nothing may connect to them, and they may connect only to the
     * Magnet server pods' gateway port and to the cluster's DNS.
     */
    static NetworkPolicy sessionNetworkPolicy(String namespace, int gatewayPort) {
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName("magnet-sessions").withNamespace(namespace).withLabels(Map.of(MANAGED_BY, "magnet"))
                .endMetadata()
                .withNewSpec()
                .withNewPodSelector().withMatchLabels(sessionSelector()).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .addNewEgress()
                .addNewTo().withNewPodSelector().withMatchLabels(new java.util.TreeMap<>(SERVER_LABELS)).endPodSelector().endTo()
                .addNewPort().withProtocol("TCP").withNewPort(gatewayPort).endPort()
                .endEgress()
                .addNewEgress()
                .addNewTo().withNewNamespaceSelector().withMatchLabels(Map.of("kubernetes.io/metadata.name", "kube-system"))
                .endNamespaceSelector().withNewPodSelector().withMatchLabels(Map.of("k8s-app", "kube-dns")).endPodSelector().endTo()
                .addNewPort().withProtocol("UDP").withNewPort(53).endPort()
                .addNewPort().withProtocol("TCP").withNewPort(53).endPort()
                .endEgress()
                .endSpec()
                .build();
    }

    private static SecurityContext restricted() {
        return new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withPrivileged(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .build();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVar(name, value, null);
    }

    private static VolumeMount mount(String name, String path, boolean readOnly) {
        VolumeMount m = new VolumeMount();
        m.setName(name);
        m.setMountPath(path);
        m.setReadOnly(readOnly ? true : null);
        return m;
    }

    private static VolumeMount subPath(String name, String path, String subPath) {
        VolumeMount m = mount(name, path, false);
        m.setSubPath(subPath);
        return m;
    }

    private static Volume emptyDir(String name, long mebibytes) {
        return new VolumeBuilder().withName(name).withNewEmptyDir().withSizeLimit(new Quantity(mebibytes + "Mi")).endEmptyDir().build();
    }
}
