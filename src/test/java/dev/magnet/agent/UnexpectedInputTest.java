package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.magnet.agent.Transcripts.WORKSPACE;
import static dev.magnet.agent.Transcripts.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The mapper never throws: odd shapes give fewer events, not exceptions. */
class UnexpectedInputTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "null", "42", "\"text\"", "[]", "{}", "{\"type\":null}", "{\"type\":7}", "{\"type\":\"bogus\"}",
            "{\"type\":\"keep_alive\"}", "{\"type\":\"control_response\",\"response\":{}}",
            "{\"type\":\"transcript_mirror\"}", "{\"type\":\"system\"}", "{\"type\":\"system\",\"subtype\":\"status\"}",
            "{\"type\":\"system\",\"subtype\":\"task_started\",\"task_id\":\"t\"}",
            "{\"type\":\"system\",\"subtype\":\"thinking_tokens\",\"estimated_tokens\":3}",
            "{\"type\":\"assistant\"}", "{\"type\":\"assistant\",\"message\":null}",
            "{\"type\":\"assistant\",\"message\":{\"content\":{\"type\":\"text\"}}}",
            "{\"type\":\"assistant\",\"message\":{\"content\":[null,1,{\"type\":\"text\"},{\"type\":\"tool_use\"}]}}",
            "{\"type\":\"user\"}", "{\"type\":\"user\",\"message\":{\"content\":\"plain\"}}",
            "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\"}]},\"tool_use_result\":{\"filePath\":1}}",
            "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"x\"}]},"
                    + "\"tool_use_result\":{\"filePath\":\"/workspace/a\",\"structuredPatch\":[{\"lines\":[1,null]}]}}",
            "{\"type\":\"stream_event\"}", "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\"}}",
            "{\"type\":\"stream_event\",\"event\":{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\"}}}",
            "{\"type\":\"system\",\"subtype\":\"api_retry\",\"attempt\":\"one\"}",
            "{\"type\":\"result\"}", "{\"type\":\"result\",\"is_error\":\"yes\",\"errors\":\"boom\",\"usage\":[]}",
            "{\"type\":\"result\",\"model_usage_since_last_result\":{\"m\":{\"costUSD\":\"free\"}}}",
            "{\"type\":\"command_lifecycle\"}",
    })
    void odd_lines_do_not_throw(String line) {
        StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);

        assertThatCode(() -> mapper.mapLine(json(line))).doesNotThrowAnyException();
    }

    @Test
    void a_java_null_line_means_nothing() {
        StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);

        assertThat(mapper.mapLine(null)).isEqualTo(MappedLine.nothing());
        assertThat(mapper.mapLine(NullNode.getInstance())).isEqualTo(MappedLine.nothing());
    }

    @Test
    void lines_without_meaning_for_users_give_no_events() {
        StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);
        List<JsonNode> quiet = Transcripts.lines("write-create").stream()
                .filter(line -> List.of("system", "command_lifecycle", "control_response").contains(line.path("type").asText()))
                .toList();

        assertThat(quiet).isNotEmpty();
        assertThat(quiet).allSatisfy(line -> assertThat(mapper.map(line)).isEmpty());
    }

    @Test
    void a_missing_field_is_a_null_value() {
        List<NewEvent> events = new StreamJsonMapper(WORKSPACE).map(json("{\"type\":\"system\",\"subtype\":\"api_retry\"}"));

        assertThat(events.getFirst().wire()).containsEntry("attempt", null).containsEntry("status", null);
    }

    @Test
    void every_event_of_every_transcript_holds_only_json_values() {
        for (String name : List.of("write-create", "edit-existing", "bash-and-edge-cases", "todo-write", "task-tools",
                "overloaded-529", "unauthorized-401", "forbidden-403", "rate-limited-429", "bad-request-400",
                "connection-refused", "interrupt-streaming", "interrupt-tool", "resume-failed", "max-turns")) {
            for (NewEvent event : Transcripts.map(name).events()) {
                assertThat(event.wire().values()).as(name + " " + event.type()).allSatisfy(UnexpectedInputTest::isJsonValue);
            }
        }
    }

    @Test
    void a_sub_agent_event_names_its_parent_tool_call() {
        List<NewEvent> events = new StreamJsonMapper(WORKSPACE).map(json("""
                {"type":"assistant","parent_tool_use_id":"toolu_parent","message":{"id":"m","content":[{"type":"text","text":"hi"}]}}"""));

        assertThat(events.getFirst().type()).isEqualTo(EventType.TEXT);
        assertThat(events.getFirst().wire()).containsEntry("parentToolUseId", "toolu_parent");
    }

    @Test
    void the_workspace_root_must_be_absolute_and_the_limit_positive() {
        assertThatThrownBy(() -> new StreamJsonMapper(null)).hasMessageContaining("workspaceRoot");
        assertThatThrownBy(() -> new StreamJsonMapper(Path.of("relative"))).hasMessageContaining("absolute");
        assertThatThrownBy(() -> new StreamJsonMapper(WORKSPACE, 0)).hasMessageContaining("maxOutputChars");
    }

    private static void isJsonValue(Object value) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.keySet().forEach(key -> assertThat(key).isInstanceOf(String.class));
            map.values().forEach(UnexpectedInputTest::isJsonValue);
            return;
        }
        if (value instanceof List<?> list) {
            list.forEach(UnexpectedInputTest::isJsonValue);
            return;
        }
        throw new AssertionError("not a JSON value: " + value.getClass());
    }
}
