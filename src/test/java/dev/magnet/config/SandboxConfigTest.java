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
}
