package dev.magnet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which sandbox provider {@code MAGNET_SANDBOX} selects. */
class SandboxConfigTest {

    @Test
    void bubblewrap_is_the_default_and_a_provider_is_named_in_any_case() {
        assertThat(SandboxConfig.fromEnvironment(Map.of()).provider()).isEqualTo(SandboxConfig.Provider.BWRAP);
        assertThat(SandboxConfig.fromEnvironment(Map.of("MAGNET_SANDBOX", "Unisolated")).provider())
                .isEqualTo(SandboxConfig.Provider.UNISOLATED);
        assertThat(SandboxConfig.Provider.UNISOLATED.setting()).isEqualTo("unisolated");
    }

    @Test
    void an_unknown_provider_is_refused_naming_the_choices() {
        assertThatThrownBy(() -> SandboxConfig.fromEnvironment(Map.of("MAGNET_SANDBOX", "Docker")))
                .hasMessage("MAGNET_SANDBOX must be bwrap, kubernetes or unisolated, was 'docker'");
    }

    @Test
    void kubernetes_needs_the_shared_secret_key_that_signs_pod_tokens_and_takes_its_volume_settings() {
        Map<String, String> env = Map.of("MAGNET_SANDBOX", "kubernetes", "MAGNET_KUBERNETES_AGENT_IMAGE", "registry.example.com/agent:1",
                "ANTHROPIC_API_KEY", "sk-ant-" + "test");

        assertThatThrownBy(() -> MagnetConfig.fromEnvironment(env))
                .hasMessage("MAGNET_SANDBOX=kubernetes needs MAGNET_SECRET_KEY, the same on every server");
        java.util.Map<String, String> complete = new java.util.HashMap<>(env);
        complete.put("MAGNET_SECRET_KEY", "a-secret-of-at-least-sixteen");
        complete.put("MAGNET_KUBERNETES_STORAGE_CLASS", "fast-ssd");
        complete.put("MAGNET_KUBERNETES_VOLUME_MB", "8192");
        KubernetesConfig k = MagnetConfig.fromEnvironment(complete).sandbox().kubernetes();
        assertThat(k.storageClass()).isEqualTo("fast-ssd");
        assertThat(k.volumeMiB()).isEqualTo(8192);
        assertThat(k.gatewayBind()).isEqualTo("0.0.0.0");
        complete.put("MAGNET_KUBERNETES_VOLUME_MB", "-1");
        assertThatThrownBy(() -> MagnetConfig.fromEnvironment(complete)).hasMessageContaining("MAGNET_KUBERNETES_VOLUME_MB");
    }
}
