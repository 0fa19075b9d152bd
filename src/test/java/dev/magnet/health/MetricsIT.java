package dev.magnet.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code /metrics} holds after a session ran: the JVM's and the process's figures, HTTP requests by route, the
 * database pool, per-phase session figures, and every family the scrape has documented in {@code docs/metrics.md}.
 */
class MetricsIT {
    private static final String TOKEN = "metrics-token-for-tests-0123456789";
    private static final Pattern FAMILY = Pattern.compile("^# TYPE (\\S+) ", Pattern.MULTILINE);
    private static final Pattern DOCUMENTED = Pattern.compile("`([a-z][a-z0-9_]*)`");

    @TempDir
    Path dir;

    @Test
    void a_scrape_after_a_session_has_jvm_http_pool_and_per_phase_figures_each_documented() throws IOException {
        try (FakeAnthropic model = FakeAnthropic.start();
             TestServer server = TestServer.start(dir.resolve("data"), model, Map.of("MAGNET_METRICS_TOKEN", TOKEN))) {
            model.script(Script.of(Turn.reply().text("Done.")));
            String id = server.createSession(Map.of("prompt", "Say done")).path("id").asText();
            server.awaitStatus(id, "completed", Duration.ofSeconds(60));

            String scrape = server.send("GET", "/metrics", null, null, Map.of("Authorization", "Bearer " + TOKEN)).body();
            Set<String> families = new TreeSet<>();
            Matcher m = FAMILY.matcher(scrape);
            while (m.find()) {
                families.add(m.group(1));
            }

            assertThat(families).contains("jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
                    "process_cpu_usage", "process_uptime_seconds", "process_files_open_files",
                    "http_server_requests_seconds", "http_server_requests_active_seconds",
                    "hikaricp_connections_active", "hikaricp_connections_pending",
                    "magnet_session_phase_entered_total", "magnet_session_phase_seconds", "magnet_sessions_running");
            assertThat(scrape).containsPattern(
                    "http_server_requests_seconds_count\\{method=\"POST\",outcome=\"SUCCESS\",status=\"201\",uri=\"/api/sessions\"} 1")
                    .containsPattern("http_server_requests_seconds_count\\{[^}]*uri=\"/api/sessions/\\{id}\"[^}]*} [1-9]")
                    .containsPattern("hikaricp_connections_max\\{pool=\"magnet\"} 16")
                    .containsPattern("magnet_session_phase_entered_total\\{phase=\"queued\",status=\"active\"} 1")
                    .containsPattern("magnet_session_phase_entered_total\\{phase=\"running\",status=\"active\"} 1")
                    .containsPattern("magnet_session_phase_entered_total\\{phase=\"done\",status=\"completed\"} 1")
                    .containsPattern("magnet_session_phase_seconds_count\\{phase=\"running\",status=\"active\"} 1");

            String documented = Files.readString(Path.of("docs/metrics.md"));
            Set<String> names = new TreeSet<>();
            DOCUMENTED.matcher(documented).results().forEach(r -> names.add(r.group(1)));
            assertThat(names).as("families of /metrics documented in docs/metrics.md").containsAll(families);
        }
    }
}
