package dev.magnet.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The session pod and the sessions' network policy are compared with golden files under
 * {@code src/test/resources/kubernetes}: a change to either shows up as a diff of those files in review. Run with
 * {@code -Dmagnet.golden.write=true} to write them afresh after an intended change.
 */
class PodSpecsTest {
    static final KubernetesSerialization YAML = new KubernetesSerialization();

    @Test
    void the_session_pod_matches_its_golden_spec() throws IOException {
        Pod pod = PodSpecs.sessionPod(new PodCluster.Settings().value(), "0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6", 1, "host",
                "docker.io/library/debian:bookworm-slim", PodCluster.limits(), "token-for-the-golden-file");

        assertGolden("session-pod.yaml", YAML.asYaml(pod));
    }

    @Test
    void the_session_volume_matches_its_golden_spec() throws IOException {
        assertGolden("session-volume.yaml", YAML.asYaml(PodSpecs.sessionVolume(new PodCluster.Settings().value(),
                "0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6")));
    }

    @Test
    void the_session_network_policy_matches_its_golden_spec() throws IOException {
        assertGolden("session-network-policy.yaml", YAML.asYaml(PodSpecs.sessionNetworkPolicy("magnet", 7072)));
    }

    @Test
    void the_session_pod_runs_as_no_one_in_particular_with_nothing_to_spare() {
        Pod pod = PodSpecs.sessionPod(new PodCluster.Settings().value(), "s1", 1, "host", "debian", PodCluster.limits(), "t");

        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getSpec().getHostNetwork()).isFalse();
        for (Container c : pod.getSpec().getInitContainers()) {
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        }
        Container agent = pod.getSpec().getContainers().getFirst();
        assertThat(agent.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(agent.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(agent.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(agent.getResources().getLimits()).isEqualTo(agent.getResources().getRequests());
        assertThat(agent.getResources().getLimits().get("memory").toString()).isEqualTo("2048Mi");
        assertThat(agent.getResources().getLimits().get("cpu").toString()).isEqualTo("1500m");
        assertThat(agent.getEnv()).noneMatch(e -> e.getName().contains("ANTHROPIC") || e.getValue().contains("sk-ant"));
        // why: the agent runs as the shim's account and could read the shim's environment; the token goes in a file
        assertThat(agent.getEnv()).noneMatch(e -> e.getValue().equals("t") || e.getName().equals("SHIM_TOKEN"));
        assertThat(agent.getEnv()).anyMatch(e -> e.getName().equals("SHIM_TOKEN_FILE") && e.getValue().equals(PodSpecs.TOKEN_FILE));
    }

    static void assertGolden(String name, String actual) throws IOException {
        Path golden = Path.of("src/test/resources/kubernetes", name);
        if (Boolean.getBoolean("magnet.golden.write")) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
        }
        assertThat(golden).as("golden file %s (write it with -Dmagnet.golden.write=true)", golden).exists();
        assertThat(actual).as("%s differs from its golden file", name).isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }
}
