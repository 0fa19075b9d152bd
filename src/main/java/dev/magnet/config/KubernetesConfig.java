package dev.magnet.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Where session pods run with {@code MAGNET_SANDBOX=kubernetes} ({@code MAGNET_KUBERNETES_*}); the cluster itself is
 * reached as the fabric8 client finds it (the pod's service account in a cluster, else {@code KUBECONFIG}).
 *
 * @param namespace    {@code MAGNET_KUBERNETES_NAMESPACE} ({@code magnet}): the one namespace of session pods
 * @param agentImage   {@code MAGNET_KUBERNETES_AGENT_IMAGE}: Magnet's agent image (deploy/Containerfile.agent), whose
 *                     {@code /opt/magnet} (Claude Code CLI, shim, its runtime) every session pod gets; required
 * @param defaultImage {@code MAGNET_KUBERNETES_DEFAULT_IMAGE} (the agent image): what sessions of image {@code host} run in
 * @param images       {@code MAGNET_KUBERNETES_IMAGES}: further OCI images environments may name, comma-separated
 * @param gateway      {@code MAGNET_KUBERNETES_GATEWAY} ({@code magnet-gateway.<namespace>.svc:<port>}): where pods
 *                     reach the servers' pod gateway
 * @param gatewayPort  {@code MAGNET_KUBERNETES_GATEWAY_PORT} (7072): the port this server's pod gateway listens on
 * @param gatewayBind  {@code MAGNET_KUBERNETES_GATEWAY_BIND} ({@code 0.0.0.0}): the address it listens on
 * @param startTimeout {@code MAGNET_KUBERNETES_START_SECONDS} (300): how long a pod may take to run and connect
 * @param storageClass {@code MAGNET_KUBERNETES_STORAGE_CLASS} (the cluster's default): the class of each session's volume
 * @param volumeMiB    {@code MAGNET_KUBERNETES_VOLUME_MB} (0: {@code MAGNET_SANDBOX_DISK_MB} + 1024 for the home): the
 *                     size of each session's volume (workspace and home, kept while the session may go on)
 */
public record KubernetesConfig(String namespace, String agentImage, String defaultImage, List<String> images, String gateway,
                               int gatewayPort, String gatewayBind, Duration startTimeout, String storageClass, long volumeMiB) {

    public KubernetesConfig {
        images = List.copyOf(images);
    }

    /** Checks what {@code MAGNET_SANDBOX=kubernetes} needs, saying which setting is missing. */
    public KubernetesConfig requireComplete() {
        if (agentImage == null || agentImage.isBlank()) {
            throw new IllegalArgumentException("MAGNET_SANDBOX=kubernetes needs MAGNET_KUBERNETES_AGENT_IMAGE, the agent image "
                    + "built from deploy/Containerfile.agent (e.g. registry.example.com/magnet-agent:1.0)");
        }
        if (gatewayPort < 1 || gatewayPort > 65535) {
            throw new IllegalArgumentException("MAGNET_KUBERNETES_GATEWAY_PORT must be 1..65535, was " + gatewayPort);
        }
        if (volumeMiB < 0) {
            throw new IllegalArgumentException("MAGNET_KUBERNETES_VOLUME_MB must be 0 (the default size) or more, was " + volumeMiB);
        }
        return this;
    }

    static KubernetesConfig fromEnvironment(Map<String, String> env) {
        String namespace = env.getOrDefault("MAGNET_KUBERNETES_NAMESPACE", "magnet");
        int port = (int) MagnetConfig.parseLong(env, "MAGNET_KUBERNETES_GATEWAY_PORT", 7072);
        String agentImage = env.get("MAGNET_KUBERNETES_AGENT_IMAGE");
        return new KubernetesConfig(namespace, agentImage, env.getOrDefault("MAGNET_KUBERNETES_DEFAULT_IMAGE", agentImage),
                Arrays.stream(env.getOrDefault("MAGNET_KUBERNETES_IMAGES", "").split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList(),
                env.getOrDefault("MAGNET_KUBERNETES_GATEWAY", "magnet-gateway." + namespace + ".svc:" + port), port,
                env.getOrDefault("MAGNET_KUBERNETES_GATEWAY_BIND", "0.0.0.0"),
                Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_KUBERNETES_START_SECONDS", 300)),
                env.get("MAGNET_KUBERNETES_STORAGE_CLASS"), MagnetConfig.parseLong(env, "MAGNET_KUBERNETES_VOLUME_MB", 0));
    }
}
