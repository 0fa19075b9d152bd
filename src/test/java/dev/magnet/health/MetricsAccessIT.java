package dev.magnet.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code /metrics} is for the operator's scraper only; the health checks stay open to everyone. */
class MetricsAccessIT {
    private static final String TOKEN = "metrics-token-for-tests-0123456789";

    @Nested
    class WithoutAToken {
        @RegisterExtension
        final MagnetServerExtension magnet = new MagnetServerExtension();

        @Test
        void without_a_metrics_token_configured_metrics_are_not_served_and_the_answer_says_how_to_turn_them_on() {
            TestServer server = magnet.server();
            TestServer.Response anonymous = server.send("GET", "/metrics", null, null, Map.of());
            assertThat(anonymous.status()).isEqualTo(404);
            assertThat(anonymous.contentType()).startsWith("application/problem+json");
            assertThat(anonymous.body()).contains("MAGNET_METRICS_TOKEN").doesNotContain("magnet_sessions");
            assertThat(server.send("GET", "/metrics", null, TestServer.API_KEY, Map.of("Authorization", "Bearer guess"))
                    .status()).isEqualTo(404);
            assertThat(server.send("GET", "/health/live", null, null, Map.of()).status()).isEqualTo(200);
            assertThat(server.send("GET", "/health/ready", null, null, Map.of()).status()).isEqualTo(200);
        }
    }

    @Nested
    class WithAToken {
        @RegisterExtension
        final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_METRICS_TOKEN", TOKEN));

        @Test
        void with_a_metrics_token_configured_only_that_bearer_token_reads_the_metrics() {
            TestServer server = magnet.server();
            TestServer.Response none = server.send("GET", "/metrics", null, null, Map.of());
            assertThat(none.status()).isEqualTo(401);
            assertThat(none.body()).doesNotContain("magnet_");
            assertThat(server.send("GET", "/metrics", null, null, Map.of("Authorization", "Bearer " + TOKEN + "x")).status())
                    .isEqualTo(401);
            assertThat(server.send("GET", "/metrics", null, null, Map.of("Authorization", "Bearer " + TOKEN.substring(1)))
                    .status()).isEqualTo(401);
            assertThat(server.send("GET", "/metrics", null, TestServer.API_KEY, Map.of()).status())
                    .as("an API key is not the metrics token").isEqualTo(401);

            TestServer.Response scraped = server.send("GET", "/metrics", null, null, Map.of("Authorization", "Bearer " + TOKEN));
            assertThat(scraped.status()).isEqualTo(200);
            assertThat(scraped.contentType()).startsWith("text/plain");
            assertThat(scraped.body()).contains("magnet_sessions_running");
            assertThat(server.send("GET", "/health/live", null, null, Map.of()).status()).isEqualTo(200);
        }
    }
}
