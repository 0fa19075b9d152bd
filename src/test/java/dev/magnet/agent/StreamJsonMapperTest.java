package dev.magnet.agent;

import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.magnet.agent.Transcripts.WORKSPACE;
import static dev.magnet.agent.Transcripts.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.offset;

/** The mapper against real CLI transcripts (see {@link Transcripts}). */
class StreamJsonMapperTest {

    @Nested
    class AssistantBlocks {
        private final Transcripts.Mapped mapped = map("write-create");

        @Test
        void a_thinking_block_becomes_a_thinking_event_with_its_message_id() {
            assertThat(mapped.only(EventType.THINKING).wire()).containsExactly(
                    entry("text", "I should create hello.txt with a greeting."),
                    entry("messageId", "msg_7af965e7cd8a415ab431"),
                    entry("aborted", false));
        }

        @Test
        void each_text_block_becomes_a_text_event() {
            assertThat(mapped.events(EventType.TEXT)).extracting(e -> e.wire().get("text"))
                    .containsExactly("I'll create the file.", "Created hello.txt.", "Second answer.");
        }

        @Test
        void a_tool_call_becomes_a_tool_use_event_with_its_input() {
            assertThat(mapped.only(EventType.TOOL_USE).wire()).containsExactly(
                    entry("toolUseId", "toolu_6440bb371cba4135a097"),
                    entry("name", "Write"),
                    entry("input", Map.of("file_path", "/workspace/hello.txt", "content", "hello world\nsecond line\n")),
                    entry("aborted", false));
        }

        @Test
        void events_come_in_the_order_of_the_transcript() {
            assertThat(mapped.events()).extracting(NewEvent::type).filteredOn(t -> t != EventType.DELTA).containsExactly(
                    EventType.THINKING, EventType.TEXT, EventType.TOOL_USE, EventType.TOOL_RESULT,
                    EventType.FILE_CHANGE, EventType.TEXT, EventType.TURN_RESULT, EventType.TEXT, EventType.TURN_RESULT);
        }

        @Test
        void the_session_id_of_system_init_is_remembered() {
            assertThat(mapped.mapper().agentSessionId()).contains("2debb4f4-8c92-4e03-af41-a36311000971");
        }

        @Test
        void a_block_cut_off_by_an_interrupt_is_kept_and_marked_aborted() {
            Transcripts.Mapped interrupted = map("interrupt-streaming");

            assertThat(interrupted.events(EventType.TEXT).getFirst().wire())
                    .containsEntry("text", "This is a long streaming")
                    .containsEntry("aborted", true);
        }
    }

    @Nested
    class Deltas {
        @Test
        void text_and_thinking_deltas_carry_the_message_id_and_block_index() {
            List<NewEvent> deltas = map("interrupt-streaming").events(EventType.DELTA);

            assertThat(deltas.getFirst().wire()).containsExactly(
                    entry("kind", "thinking"),
                    entry("messageId", "msg_b8ea37b2a1324eb0b5c6"),
                    entry("index", 0),
                    entry("text", "Thinking"));
            assertThat(deltas).filteredOn(d -> d.wire().get("kind").equals("text"))
                    .first().extracting(d -> d.wire().get("index")).isEqualTo(1);
        }

        @Test
        void merged_deltas_of_a_block_equal_the_whole_block() {
            Transcripts.Mapped mapped = map("write-create");

            assertThat(joinedDeltas(mapped, "msg_7af965e7cd8a415ab431", "thinking", 0))
                    .isEqualTo(mapped.only(EventType.THINKING).wire().get("text"));
            assertThat(joinedDeltas(mapped, "msg_7af965e7cd8a415ab431", "text", 1)).isEqualTo("I'll create the file.");
        }

        @Test
        void signature_and_tool_input_deltas_are_not_events() {
            assertThat(map("write-create").events(EventType.DELTA))
                    .extracting(d -> d.wire().get("kind")).containsOnly("text", "thinking");
        }

        @Test
        void a_delta_without_api_message_id_takes_the_id_of_message_start() {
            StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);
            mapper.map(Transcripts.json("""
                    {"type":"stream_event","event":{"type":"message_start","message":{"id":"msg_1"}}}"""));

            List<NewEvent> events = mapper.map(Transcripts.json("""
                    {"type":"stream_event","event":{"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"Hi"}}}"""));

            assertThat(events.getFirst().wire()).containsEntry("messageId", "msg_1").containsEntry("index", 2);
        }

        private static String joinedDeltas(Transcripts.Mapped mapped, String messageId, String kind, int index) {
            StringBuilder text = new StringBuilder();
            mapped.events(EventType.DELTA).stream().map(NewEvent::wire)
                    .filter(d -> d.get("messageId").equals(messageId) && d.get("kind").equals(kind) && d.get("index").equals(index))
                    .forEach(d -> text.append(d.get("text")));
            return text.toString();
        }
    }

    @Nested
    class ToolResults {
        private final Transcripts.Mapped bash = map("bash-and-edge-cases");

        @Test
        void a_bash_result_becomes_a_tool_result_named_after_its_tool_use() {
            assertThat(bash.events(EventType.TOOL_RESULT).getFirst().wire()).containsExactly(
                    entry("toolUseId", "toolu_e91972fe38ba45fb81d2"),
                    entry("toolName", "Bash"),
                    entry("output", "hello\n1"),
                    entry("isError", false),
                    entry("size", 7),
                    entry("truncated", false));
        }

        @Test
        void a_failing_command_is_an_error_result() {
            assertThat(bash.events(EventType.TOOL_RESULT).get(1).wire())
                    .containsEntry("output", "Exit code 3\noops")
                    .containsEntry("isError", true);
        }

        @Test
        void long_output_is_cut_at_the_configured_size_and_the_full_size_is_kept() {
            Transcripts.Mapped small = map("bash-and-edge-cases", new StreamJsonMapper(WORKSPACE, 100));

            Map<String, Object> big = small.events(EventType.TOOL_RESULT).get(2).wire();

            assertThat((String) big.get("output")).hasSize(100).startsWith("<persisted-output>");
            assertThat(big).containsEntry("truncated", true);
            assertThat((int) big.get("size")).isGreaterThan(2000);
        }

        @Test
        void output_shorter_than_16_kib_is_kept_whole_by_default() {
            Map<String, Object> big = bash.events(EventType.TOOL_RESULT).get(2).wire();

            assertThat(big).containsEntry("truncated", false);
            assertThat(((String) big.get("output")).length()).isEqualTo(big.get("size"));
        }

        @Test
        void content_given_as_text_blocks_is_joined() {
            StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);

            List<NewEvent> events = mapper.map(Transcripts.json("""
                    {"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1",
                     "content":[{"type":"text","text":"first"},{"type":"image"},{"type":"text","text":"second"}]}]}}"""));

            assertThat(events.getFirst().wire())
                    .containsEntry("output", "first\n[image]\nsecond")
                    .containsEntry("toolName", null);
        }

        @Test
        void a_tool_stopped_by_an_interrupt_is_an_error_result() {
            assertThat(map("interrupt-tool").only(EventType.TOOL_RESULT).wire())
                    .containsEntry("toolName", "Bash")
                    .containsEntry("isError", true);
        }

        @Test
        void interrupt_markers_and_replayed_user_messages_are_not_events() {
            StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);

            assertThat(mapper.map(Transcripts.json("""
                    {"type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user]"}]}}""")))
                    .isEmpty();
            assertThat(mapper.map(Transcripts.json("""
                    {"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]},"isReplay":true}""")))
                    .isEmpty();
        }
    }

    @Nested
    class FileChangeEvents {
        @Test
        void a_write_tool_result_becomes_a_file_change_with_a_unified_diff() {
            assertThat(map("write-create").only(EventType.FILE_CHANGE).wire()).containsExactly(
                    entry("path", "hello.txt"),
                    entry("kind", "created"),
                    entry("diff", """
                            --- /dev/null
                            +++ b/hello.txt
                            @@ -0,0 +1,2 @@
                            +hello world
                            +second line
                            """),
                    entry("toolUseId", "toolu_6440bb371cba4135a097"));
        }

        @Test
        void an_edit_of_an_existing_file_becomes_a_modified_file_change() {
            NewEvent edit = map("edit-existing").events(EventType.FILE_CHANGE).getFirst();

            assertThat(edit.wire()).containsEntry("path", "src/app.py").containsEntry("kind", "modified");
            assertThat(edit.wire().get("diff")).isEqualTo("""
                    --- a/src/app.py
                    +++ b/src/app.py
                    @@ -2,7 +2,7 @@
                    \s
                    \s
                     def greet():
                    -    return 'hello'
                    +    return 'hello, world'
                    \s
                    \s
                     def other():
                    """);
        }

        @Test
        void a_write_over_an_existing_file_is_a_modification() {
            NewEvent write = map("edit-existing").events(EventType.FILE_CHANGE).get(1);

            assertThat(write.wire()).containsEntry("path", "notes.txt").containsEntry("kind", "modified");
            assertThat(write.wire().get("diff")).isEqualTo("""
                    --- a/notes.txt
                    +++ b/notes.txt
                    @@ -1,3 +1,4 @@
                     one
                    -two
                    +TWO
                     three
                    +four
                    """);
        }

        @Test
        void a_failed_edit_changes_no_file() {
            assertThat(map("edit-existing").events(EventType.FILE_CHANGE)).hasSize(2);
        }

        @Test
        void an_edit_that_creates_a_file_is_a_creation() {
            NewEvent created = map("bash-and-edge-cases").events(EventType.FILE_CHANGE).getFirst();

            assertThat(created.wire()).containsEntry("path", "created-by-edit.txt").containsEntry("kind", "created");
            assertThat(created.wire().get("diff")).isEqualTo("""
                    --- /dev/null
                    +++ b/created-by-edit.txt
                    @@ -0,0 +1,2 @@
                    +alpha
                    +beta
                    """);
        }

        @Test
        void a_file_outside_the_workspace_keeps_its_absolute_normalised_path() {
            NewEvent outside = map("bash-and-edge-cases").events(EventType.FILE_CHANGE).get(1);

            assertThat(outside.wire()).containsEntry("path", "/outside.txt");
            assertThat(outside.wire().get("diff")).isEqualTo("""
                    --- /dev/null
                    +++ /outside.txt
                    @@ -0,0 +1,1 @@
                    +no trailing newline
                    \\ No newline at end of file
                    """);
        }
    }

    @Nested
    class Todos {
        @Test
        void a_todo_write_call_becomes_the_task_list() {
            assertThat(map("todo-write").only(EventType.TODO).wire().get("items")).isEqualTo(List.of(
                    Map.of("id", "1", "title", "Read the code", "status", "completed"),
                    Map.of("id", "2", "title", "Write the fix", "status", "in_progress"),
                    Map.of("id", "3", "title", "Run the tests", "status", "pending")));
        }

        @Test
        void task_tool_results_keep_the_whole_task_list_current() {
            List<NewEvent> todos = map("task-tools").events(EventType.TODO);

            assertThat(todos.getFirst().wire().get("items"))
                    .isEqualTo(List.of(Map.of("id", "1", "title", "Read the code", "status", "pending")));
            assertThat(todos.getLast().wire().get("items")).isEqualTo(List.of(
                    Map.of("id", "1", "title", "Read the code", "status", "completed"),
                    Map.of("id", "2", "title", "Write the fix", "status", "pending")));
        }

        @Test
        void a_deleted_task_leaves_the_list() {
            StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);
            toolCall(mapper, "c1", "TaskCreate", "{}", "{\"task\":{\"id\":\"1\",\"subject\":\"A\"}}");
            toolCall(mapper, "c2", "TaskCreate", "{}", "{\"task\":{\"id\":\"2\",\"subject\":\"B\"}}");

            List<NewEvent> events = toolCall(mapper, "u1", "TaskUpdate", "{\"taskId\":\"1\",\"status\":\"deleted\"}",
                    "{\"success\":true,\"taskId\":\"1\",\"updatedFields\":[\"status\"]}");

            assertThat(events.getLast().wire().get("items"))
                    .isEqualTo(List.of(Map.of("id", "2", "title", "B", "status", "pending")));
        }

        @Test
        void an_update_of_a_task_created_before_a_resume_adds_it() {
            StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);

            List<NewEvent> events = toolCall(mapper, "u1", "TaskUpdate", "{\"taskId\":\"7\",\"status\":\"in_progress\"}",
                    "{\"success\":true,\"taskId\":\"7\",\"statusChange\":{\"from\":\"pending\",\"to\":\"in_progress\"}}");

            assertThat(events.getLast().wire().get("items"))
                    .isEqualTo(List.of(Map.of("id", "7", "title", "Task 7", "status", "in_progress")));
        }

        private static List<NewEvent> toolCall(StreamJsonMapper mapper, String id, String name, String input, String result) {
            mapper.map(Transcripts.json("""
                    {"type":"assistant","message":{"id":"m","content":[{"type":"tool_use","id":"%s","name":"%s","input":%s}]}}"""
                    .formatted(id, name, input)));
            return mapper.map(Transcripts.json("""
                    {"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"%s","content":"ok"}]},
                     "tool_use_result":%s}""".formatted(id, result)));
        }
    }

    @Nested
    class ApiErrors {
        @Test
        void each_retry_becomes_a_model_retry_event() {
            assertThat(map("overloaded-529").events(EventType.MODEL_RETRY)).extracting(NewEvent::wire).containsExactly(
                    Map.of("attempt", 1, "maxRetries", 2, "delayMs", 560, "status", 529, "error", "overloaded"),
                    Map.of("attempt", 2, "maxRetries", 2, "delayMs", 1233, "status", 529, "error", "overloaded"));
        }

        @Test
        void the_synthetic_api_error_message_becomes_an_error_event_not_text() {
            Transcripts.Mapped mapped = map("unauthorized-401");

            assertThat(mapped.events(EventType.TEXT)).isEmpty();
            assertThat(mapped.only(EventType.ERROR).wire()).containsExactly(
                    entry("message", "Invalid API key · Fix external API key"),
                    entry("status", 401),
                    entry("errorType", "authentication_error"));
        }

        @Test
        void a_connection_failure_has_no_status() {
            assertThat(map("connection-refused").only(EventType.ERROR).wire())
                    .containsEntry("status", null)
                    .containsEntry("errorType", "connection_failed");
        }
    }

    @Nested
    class TurnResults {
        @Test
        void a_result_becomes_a_turn_result_with_cost_tokens_and_duration() {
            Map<String, Object> first = map("write-create").events(EventType.TURN_RESULT).getFirst().wire();

            assertThat(first).containsExactly(
                    entry("success", true),
                    entry("outcome", "succeeded"),
                    entry("message", "The agent finished its turn."),
                    entry("subtype", "success"),
                    entry("terminalReason", "completed"),
                    entry("result", "Created hello.txt."),
                    entry("error", null),
                    entry("costUsd", 0.0016),
                    entry("turnCostUsd", 0.0016),
                    entry("inputTokens", 200),
                    entry("outputTokens", 40),
                    entry("cacheReadTokens", 0),
                    entry("cacheCreationTokens", 0),
                    entry("durationMs", 226),
                    entry("numTurns", 2),
                    entry("apiErrorStatus", null),
                    entry("userMessageUuids", List.of("00000001-1111-4111-8111-111111111111")));
        }

        @Test
        void the_cost_is_cumulative_and_the_turn_cost_is_this_turns_share() {
            Map<String, Object> second = map("write-create").events(EventType.TURN_RESULT).get(1).wire();

            assertThat((double) second.get("costUsd")).isCloseTo(0.0024, offset(1e-12));
            assertThat((double) second.get("turnCostUsd")).isCloseTo(0.0008, offset(1e-12));
        }

        @Test
        void without_a_per_turn_usage_the_turn_cost_is_the_growth_of_the_total() {
            StreamJsonMapper mapper = new StreamJsonMapper(WORKSPACE);
            mapper.map(Transcripts.json("{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"total_cost_usd\":0.5}"));

            List<NewEvent> events = mapper.map(Transcripts.json(
                    "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"total_cost_usd\":0.75}"));

            assertThat(events.getFirst().wire()).containsEntry("turnCostUsd", 0.25);
        }

        @Test
        void a_failed_turn_carries_the_error_text_by_the_sdk_rule() {
            assertThat(map("max-turns").only(EventType.TURN_RESULT).wire())
                    .containsEntry("success", false)
                    .containsEntry("outcome", "agent_error")
                    .containsEntry("result", null)
                    .containsEntry("error", "Reached maximum number of turns (1)");
        }

        @Test
        void the_result_line_also_reports_the_turn_outcome() {
            List<TurnOutcome> outcomes = map("overloaded-529").outcomes();

            assertThat(outcomes).extracting(TurnOutcome::kind)
                    .containsExactly(TurnOutcome.Kind.MODEL_UNAVAILABLE, TurnOutcome.Kind.SUCCEEDED);
            assertThat(outcomes.getFirst().retries()).isEqualTo(2);
            assertThat(outcomes.get(1).retries()).isZero();
        }
    }

    @Nested
    class Lifecycle {
        @Test
        void command_lifecycle_lines_are_signals_not_events() {
            Transcripts.Mapped mapped = map("interrupt-streaming");

            assertThat(mapped.lifecycles()).containsExactly(
                    new CommandLifecycle("00000001-1111-4111-8111-111111111111", CommandLifecycle.State.QUEUED),
                    new CommandLifecycle("00000001-1111-4111-8111-111111111111", CommandLifecycle.State.STARTED),
                    new CommandLifecycle("00000001-1111-4111-8111-111111111111", CommandLifecycle.State.CANCELLED),
                    new CommandLifecycle("00000002-1111-4111-8111-111111111111", CommandLifecycle.State.QUEUED),
                    new CommandLifecycle("00000002-1111-4111-8111-111111111111", CommandLifecycle.State.STARTED),
                    new CommandLifecycle("00000002-1111-4111-8111-111111111111", CommandLifecycle.State.COMPLETED));
            assertThat(mapped.lines()).filteredOn(line -> line.lifecycle().isPresent())
                    .allSatisfy(line -> assertThat(line.events()).isEmpty());
        }

        @Test
        void an_unknown_lifecycle_state_is_ignored() {
            MappedLine line = new StreamJsonMapper(WORKSPACE).mapLine(Transcripts.json(
                    "{\"type\":\"command_lifecycle\",\"command_uuid\":\"u\",\"state\":\"teleported\"}"));

            assertThat(line).isEqualTo(MappedLine.nothing());
        }
    }
}
