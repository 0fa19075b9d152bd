package dev.magnet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.stream.LongStream;

/** What every fault test checks of a session's event log, and small readers of it. */
public final class EventChecks {
    private EventChecks() {
    }

    /**
     * The log is whole: {@code seq} runs 1..n without a gap or a repeat, and no tool call, tool result, message or
     * delivery is recorded twice.
     */
    public static void assertWhole(String id, List<JsonNode> events) {
        assertThat(events.stream().map(e -> e.path("seq").asLong()).toList()).as("seq of %s", id)
                .isEqualTo(LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(values(events, "tool_use", "toolUseId")).as("tool calls of %s", id).doesNotHaveDuplicates();
        assertThat(values(events, "tool_result", "toolUseId")).as("tool results of %s", id).doesNotHaveDuplicates();
        assertThat(values(events, "user_message", "messageId")).as("messages of %s", id).doesNotHaveDuplicates();
        assertThat(values(events, "message_delivered", "messageId")).as("deliveries of %s", id).doesNotHaveDuplicates();
    }

    /** How many events of a type there are. */
    public static long count(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.path("type").asText().equals(type)).count();
    }

    /** A field of the {@code data} of every event of a type, in order. */
    public static List<String> values(List<JsonNode> events, String type, String field) {
        return events.stream().filter(e -> e.path("type").asText().equals(type))
                .map(e -> e.path("data").path(field).asText()).toList();
    }

    /** The reasons of the {@code status} events, in order. */
    public static List<String> statusReasons(List<JsonNode> events) {
        return values(events, "status", "reason");
    }
}
