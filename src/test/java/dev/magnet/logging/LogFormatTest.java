package dev.magnet.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The log format setting, the request ids taken from callers, and one JSON log line. */
class LogFormatTest {

    @Test
    void the_format_is_text_unless_set_to_json_and_anything_else_is_refused_naming_the_setting() {
        assertThat(LogFormat.parse(null)).isEqualTo(LogFormat.TEXT);
        assertThat(LogFormat.parse(" ")).isEqualTo(LogFormat.TEXT);
        assertThat(LogFormat.parse("JSON")).isEqualTo(LogFormat.JSON);
        assertThat(LogFormat.parse("text")).isEqualTo(LogFormat.TEXT);
        assertThatThrownBy(() -> LogFormat.parse("logfmt")).hasMessageContaining("MAGNET_LOG_FORMAT must be text or json");
    }

    @Test
    void a_callers_request_id_is_taken_only_when_it_cannot_forge_or_break_a_log_line() {
        assertThat(LogContext.acceptableRequestId("0f8e6c1a-2b9d-4c1e-9a7b-3f2d1e0c9b8a")).isTrue();
        assertThat(LogContext.acceptableRequestId("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isTrue();
        assertThat(LogContext.acceptableRequestId("")).isFalse();
        assertThat(LogContext.acceptableRequestId(null)).isFalse();
        assertThat(LogContext.acceptableRequestId("a b")).isFalse();
        assertThat(LogContext.acceptableRequestId("x\",\"level\":\"ERROR")).isFalse();
        assertThat(LogContext.acceptableRequestId("x".repeat(129))).isFalse();
    }

    @Test
    void a_json_line_holds_the_event_with_its_request_and_session_ids_and_nothing_else_on_the_line() throws Exception {
        LoggerContext context = new LoggerContext();
        JsonLineEncoder encoder = new JsonLineEncoder();
        encoder.setContext(context);
        encoder.start();
        LoggingEvent event = new LoggingEvent("dev.magnet.Test", context.getLogger("dev.magnet.Test"), Level.WARN,
                "two\nlines for {}", null, new Object[] {"you"});
        event.setMDCPropertyMap(Map.of(LogContext.REQUEST_ID, "req-1", LogContext.SESSION_ID, "s-1", "other", "x"));

        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

        assertThat(line).endsWith("\n").hasLineCount(1);
        JsonNode json = Json.MAPPER.readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("logger").asText()).isEqualTo("dev.magnet.Test");
        assertThat(json.path("message").asText()).isEqualTo("two\nlines for you");
        assertThat(json.path("requestId").asText()).isEqualTo("req-1");
        assertThat(json.path("sessionId").asText()).isEqualTo("s-1");
        assertThat(json.has("other")).isFalse();
    }
}
