package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientSettingsTest {

    @Test
    void the_url_defaults_to_localhost_7070() {
        ClientSettings settings = ClientSettings.resolve(null, null, env(Map.of("MAGNET_API_KEY", "k")));

        assertThat(settings).isEqualTo(new ClientSettings(URI.create("http://localhost:7070"), "k"));
    }

    @Test
    void the_environment_sets_url_and_key_and_a_trailing_slash_is_dropped() {
        ClientSettings settings = ClientSettings.resolve(null, null,
                env(Map.of("MAGNET_URL", "https://magnet.example.com/base/", "MAGNET_API_KEY", "k")));

        assertThat(settings.resolvePath("/api/sessions")).isEqualTo(URI.create("https://magnet.example.com/base/api/sessions"));
    }

    @Test
    void options_win_over_the_environment() {
        ClientSettings settings = ClientSettings.resolve("http://127.0.0.1:9000", "option-key",
                env(Map.of("MAGNET_URL", "http://other:1", "MAGNET_API_KEY", "env-key")));

        assertThat(settings).isEqualTo(new ClientSettings(URI.create("http://127.0.0.1:9000"), "option-key"));
    }

    @Test
    void a_blank_api_key_counts_as_missing() {
        assertThatThrownBy(() -> ClientSettings.resolve(null, null, env(Map.of("MAGNET_API_KEY", "  "))))
                .isInstanceOf(CliException.Usage.class)
                .hasMessageContaining("MAGNET_API_KEY");
    }

    private static CliEnvironment env(Map<String, String> variables) {
        return TestConsole.withVariables(variables).env();
    }
}
