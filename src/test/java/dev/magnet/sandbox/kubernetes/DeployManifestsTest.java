package dev.magnet.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The manifests of {@code deploy/kubernetes} as an operator applies them ({@code kubectl apply -k}): every file the
 * kustomization lists parses as the Kubernetes object it claims to be, the server pod spec matches its golden file, the
 * sessions' network policy is the one the provider's tests check, and the servers' rights stop at pods in one namespace.
 */
class DeployManifestsTest {
    private static final Path DIR = Path.of("deploy/kubernetes");

    @Test
    void every_manifest_the_kustomization_lists_parses_and_every_manifest_is_listed() throws IOException {
        List<String> listed = resources();

        try (var files = Files.list(DIR)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("kustomization.yaml")))
                    .containsExactlyInAnyOrderElementsOf(listed);
        }
        for (String file : listed) {
            HasMetadata object = load(file, HasMetadata.class);
            assertThat(object.getMetadata().getName()).as(file).isNotBlank();
            if (!object.getKind().equals("Namespace")) {
                assertThat(object.getMetadata().getNamespace()).as(file).isEqualTo("magnet");
            }
        }
    }

    @Test
    void the_server_pod_spec_matches_its_golden_spec() throws IOException {
        Deployment d = load("deployment.yaml", Deployment.class);

        PodSpecsTest.assertGolden("server-pod.yaml", PodSpecsTest.YAML.asYaml(d.getSpec().getTemplate()));
        assertThat(d.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
        var env = d.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv();
        assertThat(env).extracting(EnvVar::getName).contains("MAGNET_SANDBOX", "MAGNET_KUBERNETES_AGENT_IMAGE", "MAGNET_KUBERNETES_GATEWAY");
        assertThat(env).filteredOn(e -> e.getName().equals("MAGNET_SANDBOX")).extracting(EnvVar::getValue).containsExactly("kubernetes");
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnvFrom().getFirst().getSecretRef().getName())
                .isEqualTo(load("database-secret.yaml", Secret.class).getMetadata().getName());
        assertThat(load("database-secret.yaml", Secret.class).getStringData()).containsKey("MAGNET_DATABASE_URL");
    }

    @Test
    void the_sessions_network_policy_is_the_one_the_provider_is_tested_with() throws IOException {
        assertThat(load("network-policy-sessions.yaml", NetworkPolicy.class)).isEqualTo(PodSpecs.sessionNetworkPolicy("magnet", 7072));
    }

    @Test
    void the_servers_may_manage_pods_and_volume_claims_in_their_namespace_and_nothing_else() throws IOException {
        Role role = load("role.yaml", Role.class);
        RoleBinding binding = load("rolebinding.yaml", RoleBinding.class);

        assertThat(role.getRules()).hasSize(2);
        assertThat(role.getRules()).allSatisfy(r -> {
            assertThat(r.getApiGroups()).containsExactly("");
            assertThat(r.getVerbs()).doesNotContain("*", "escalate", "bind", "impersonate");
        });
        assertThat(role.getRules()).flatExtracting(r -> r.getResources()).containsExactly("pods", "persistentvolumeclaims");
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getSubjects()).singleElement().satisfies(s -> assertThat(s.getName()).isEqualTo("magnet"));
    }

    @Test
    void the_gateway_service_is_headless_and_reaches_the_server_pods_on_the_port_session_pods_may_dial() throws IOException {
        Service gateway = load("gateway-service.yaml", Service.class);
        Deployment d = load("deployment.yaml", Deployment.class);

        // why: not load-balanced; each shim must be able to reach the one server that holds its session
        assertThat(gateway.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(gateway.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv())
                .filteredOn(e -> e.getName().equals("MAGNET_KUBERNETES_GATEWAY")).extracting(EnvVar::getValue)
                .containsExactly(gateway.getMetadata().getName() + ".magnet.svc:7072");

        assertThat(gateway.getSpec().getSelector()).isEqualTo(d.getSpec().getTemplate().getMetadata().getLabels());
        assertThat(gateway.getSpec().getSelector()).isEqualTo(Map.copyOf(PodSpecs.SERVER_LABELS));
        assertThat(gateway.getSpec().getPorts().getFirst().getPort()).isEqualTo(7072);
    }

    private static List<String> resources() throws IOException {
        Map<String, Object> k = PodSpecsTest.YAML.unmarshal(Files.readString(DIR.resolve("kustomization.yaml")), Map.class);
        @SuppressWarnings("unchecked")
        List<String> r = (List<String>) k.get("resources");
        return r;
    }

    private static <T> T load(String file, Class<T> type) throws IOException {
        return PodSpecsTest.YAML.unmarshal(Files.readString(DIR.resolve(file)), type);
    }
}
