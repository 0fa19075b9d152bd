package dev.magnet.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The sample dashboard in deploy/ reads only metrics that docs/metrics.md documents (and so /metrics serves). */
class DashboardTest {
    private static final Pattern METRIC = Pattern.compile("\\b((?:magnet|http_server|hikaricp|jvm|process|system)_[a-z0-9_]+)");
    private static final Pattern SERIES_SUFFIX = Pattern.compile("_(?:count|sum|bucket|active_count|duration_sum)$");

    @Test
    void every_metric_of_the_sample_dashboard_is_documented() throws IOException {
        JsonNode dashboard = Json.MAPPER.readTree(Files.readString(Path.of("deploy/grafana-dashboard.json")));
        String documented = Files.readString(Path.of("docs/metrics.md"));
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    used.add(SERIES_SUFFIX.matcher(m.group(1)).replaceFirst(""));
                }
            }
        }
        assertThat(used).hasSizeGreaterThan(10);
        assertThat(used).allSatisfy(name -> assertThat(documented).as(name).contains("`" + name + "`"));
    }
}
