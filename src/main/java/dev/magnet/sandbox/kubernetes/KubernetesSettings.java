package dev.magnet.sandbox.kubernetes;

import java.util.List;
import java.util.Objects;

/**
 * Where and how session pods run ({@code MAGNET_KUBERNETES_*}).
 *
 * @param namespace    the one namespace session pods live in (the server's RBAC covers pods there only)
 * @param agentImage   Magnet's agent image (OCI reference): the pinned Claude Code CLI, the shim and its runtime under
 *                     {@code /opt/magnet}, copied into each pod by an init container
 * @param defaultImage the OCI image a session of image {@code host} runs in
 * @param images       further OCI images environments may name
 * @param podGateway   {@code host:port} at which pods reach this server's {@link PodGateway} (the gateway Service)
 * @param startTimeout how long a pod may take to be scheduled, pull its image and connect its shim
 * @param storageClass the storage class of the sessions' volumes (workspace and home), or null for the cluster's default
 * @param volumeMiB    the size each session's volume asks for
 */
public record KubernetesSettings(String namespace, String agentImage, String defaultImage, List<String> images,
                                 String podGateway, java.time.Duration startTimeout, String storageClass, long volumeMiB) {
    public KubernetesSettings {
        Objects.requireNonNull(namespace, "namespace (MAGNET_KUBERNETES_NAMESPACE)");
        Objects.requireNonNull(agentImage, "the agent image is required with MAGNET_SANDBOX=kubernetes (MAGNET_KUBERNETES_AGENT_IMAGE)");
        Objects.requireNonNull(defaultImage, "defaultImage (MAGNET_KUBERNETES_DEFAULT_IMAGE)");
        Objects.requireNonNull(podGateway, "the gateway address pods dial is required with MAGNET_SANDBOX=kubernetes (MAGNET_KUBERNETES_GATEWAY)");
        Objects.requireNonNull(startTimeout, "startTimeout");
        images = List.copyOf(images);
        if (storageClass != null && storageClass.isBlank()) {
            storageClass = null;
        }
        if (volumeMiB < 1) {
            throw new IllegalArgumentException("MAGNET_KUBERNETES_VOLUME_MB must be at least 1, was " + volumeMiB);
        }
        if (!podGateway.matches("[A-Za-z0-9.-]+:[0-9]{1,5}")) {
            throw new IllegalArgumentException("MAGNET_KUBERNETES_GATEWAY must be host:port, was '" + podGateway + "'");
        }
    }
}
