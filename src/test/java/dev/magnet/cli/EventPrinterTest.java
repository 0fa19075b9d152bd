package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EventPrinterTest {

    private final EventPrinter printer = new EventPrinter(Style.PLAIN);

    private List<String> print(String type, String data) {
        return printer.lines(new SessionEvent(1, "s1", type, Instant.EPOCH, ClientJson.parse(data)));
    }

    @Test
    void a_phase_change_is_one_arrow_line() {
        assertThat(print("status", "{\"status\":\"active\",\"phase\":\"running\",\"reason\":null,\"message\":null}"))
                .containsExactly("▸ running");
    }

    @Test
    void a_phase_change_with_a_message_shows_it() {
        assertThat(print("status", "{\"status\":\"active\",\"phase\":\"setting_up\",\"message\":\"running setup script\"}"))
                .containsExactly("▸ setting_up · running setup script");
    }

    @Test
    void a_failed_status_names_reason_phase_and_message() {
        assertThat(print("status", """
                {"status":"failed","phase":"cloning","reason":"clone_failed","message":"repository not found"}"""))
                .containsExactly("✗ failed: clone_failed in cloning: repository not found");
    }

    @Test
    void a_completed_status_is_a_check_mark() {
        assertThat(print("status", "{\"status\":\"completed\",\"phase\":\"done\"}")).containsExactly("✓ completed");
    }

    @Test
    void a_user_message_names_its_author_and_keeps_further_lines_indented() {
        assertThat(print("user_message", """
                {"messageId":"m1","text":"fix the bug\\nin main.py","author":{"id":"u1","name":"ada"},"queued":false}"""))
                .containsExactly("you (ada): fix the bug", "  in main.py");
    }

    @Test
    void a_queued_user_message_says_so() {
        assertThat(print("user_message", "{\"text\":\"also add tests\",\"author\":{\"name\":\"ada\"},\"queued\":true}"))
                .containsExactly("you (ada): also add tests  (queued)");
    }

    @Test
    void a_delivered_message_is_a_short_note() {
        assertThat(print("message_delivered", "{\"messageId\":\"m1\"}")).containsExactly("· message delivered");
    }

    @Test
    void thinking_shows_only_its_first_line() {
        assertThat(print("thinking", "{\"text\":\"Let me look at the tests.\\nThen the code.\"}"))
                .containsExactly("· thinking: Let me look at the tests. …");
    }

    @Test
    void agent_text_is_printed_as_is() {
        assertThat(print("text", "{\"text\":\"Done.\\n\\n- fixed the bug\\n\"}"))
                .containsExactly("Done.", "", "- fixed the bug");
    }

    @Test
    void deltas_are_not_printed_because_whole_blocks_follow() {
        assertThat(print("delta", "{\"kind\":\"text\",\"messageId\":\"a1\",\"index\":0,\"text\":\"Do\"}")).isEmpty();
    }

    @Test
    void a_bash_tool_use_shows_the_command() {
        assertThat(print("tool_use", """
                {"toolUseId":"t1","name":"Bash","input":{"command":"git commit -m x","description":"commit"}}"""))
                .containsExactly("$ Bash: git commit -m x");
    }

    @Test
    void file_tools_show_the_file_path() {
        assertThat(print("tool_use", "{\"name\":\"Write\",\"input\":{\"file_path\":\"hello.txt\",\"content\":\"hi\"}}"))
                .containsExactly("✎ Write hello.txt");
        assertThat(print("tool_use", "{\"name\":\"Edit\",\"input\":{\"file_path\":\"src/a.py\",\"old_string\":\"a\"}}"))
                .containsExactly("✎ Edit src/a.py");
        assertThat(print("tool_use", "{\"name\":\"Read\",\"input\":{\"file_path\":\"README.md\"}}"))
                .containsExactly("• Read README.md");
    }

    @Test
    void a_grep_tool_use_shows_the_pattern_and_where() {
        assertThat(print("tool_use", "{\"name\":\"Grep\",\"input\":{\"pattern\":\"TODO\",\"path\":\"src\"}}"))
                .containsExactly("• Grep TODO in src");
    }

    @Test
    void another_tool_shows_its_input_as_compact_json_cut_at_120_characters() {
        String longValue = "x".repeat(200);
        List<String> lines = print("tool_use", "{\"name\":\"mcp__db__query\",\"input\":{\"sql\":\"" + longValue + "\"}}");

        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("• mcp__db__query {\"sql\":\"xxx").endsWith("…").hasSize(120);
    }

    @Test
    void tool_output_is_indented() {
        assertThat(print("tool_result", """
                {"toolUseId":"t1","toolName":"Bash","output":"ok\\n1 file changed\\n","isError":false,"size":18,"truncated":false}"""))
                .containsExactly("  ok", "  1 file changed");
    }

    @Test
    void long_tool_output_is_cut_at_twenty_lines() {
        String output = IntStream.rangeClosed(1, 25).mapToObj(i -> "line " + i).collect(Collectors.joining("\\n"));

        List<String> lines = print("tool_result", "{\"toolName\":\"Bash\",\"output\":\"" + output + "\",\"isError\":false}");

        assertThat(lines).hasSize(21);
        assertThat(lines.get(19)).isEqualTo("  line 20");
        assertThat(lines.get(20)).isEqualTo("  … (5 more lines)");
    }

    @Test
    void a_failed_tool_says_so_before_its_output() {
        assertThat(print("tool_result", "{\"toolName\":\"Bash\",\"output\":\"exit code 1\",\"isError\":true}"))
                .containsExactly("  ✗ Bash failed:", "  exit code 1");
    }

    @Test
    void output_cut_by_the_server_notes_the_full_size() {
        assertThat(print("tool_result", "{\"toolName\":\"Read\",\"output\":\"a\",\"isError\":false,\"size\":204800,\"truncated\":true}"))
                .containsExactly("  a", "  … (output cut by the server; 200.0 KB in all)");
    }

    @Test
    void empty_tool_output_says_there_was_none() {
        assertThat(print("tool_result", "{\"toolName\":\"Bash\",\"output\":\"\",\"isError\":false}"))
                .containsExactly("  (no output)");
    }

    @Test
    void a_file_change_counts_added_and_removed_lines_without_the_headers() {
        String diff = "--- a/hello.txt\\n+++ b/hello.txt\\n@@ -1,2 +1,3 @@\\n hello\\n-world\\n+there\\n+--- not a header\\n";

        assertThat(print("file_change", "{\"path\":\"hello.txt\",\"kind\":\"modified\",\"diff\":\"" + diff + "\"}"))
                .containsExactly("± hello.txt (modified, +2 -1)");
    }

    @Test
    void a_todo_list_is_a_checklist() {
        assertThat(print("todo", """
                {"items":[{"id":"1","title":"write tests","status":"completed"},
                          {"id":"2","title":"fix the bug","status":"in_progress"},
                          {"id":"3","title":"update docs","status":"pending"}]}"""))
                .containsExactly("todo:", "  [x] write tests", "  [>] fix the bug", "  [ ] update docs");
    }

    @Test
    void a_model_retry_says_which_attempt_why_and_how_long_it_waits() {
        assertThat(print("model_retry", "{\"attempt\":1,\"maxRetries\":2,\"delayMs\":600,\"status\":529,\"error\":\"overloaded\"}"))
                .containsExactly("model retry 1/2 (HTTP 529, overloaded), waiting 0.6s");
    }

    @Test
    void a_successful_turn_shows_cost_tokens_and_duration() {
        assertThat(print("turn_result", """
                {"success":true,"subtype":"success","result":"Done.","costUsd":0.0024,"inputTokens":300,"outputTokens":60,"durationMs":400}"""))
                .containsExactly("✓ turn done · $0.0024 · 300 in / 60 out · 0.4s");
    }

    @Test
    void a_failed_turn_shows_why() {
        assertThat(print("turn_result", """
                {"success":false,"subtype":"error_during_execution","terminalReason":null,"error":"API error 401","costUsd":0,
                "inputTokens":0,"outputTokens":0,"durationMs":1200}"""))
                .containsExactly("✗ turn failed (error_during_execution): API error 401 · $0.0000 · 0 in / 0 out · 1.2s");
    }

    @Test
    void an_opened_pull_request_shows_its_number_and_url() {
        assertThat(print("pr", "{\"number\":12,\"url\":\"https://github.com/o/r/pull/12\",\"state\":\"open\",\"action\":\"opened\"}"))
                .containsExactly("⇡ PR #12 opened: https://github.com/o/r/pull/12");
    }

    @Test
    void a_pull_request_state_change_shows_the_new_state() {
        assertThat(print("pr", "{\"number\":12,\"state\":\"merged\",\"action\":\"state_changed\"}"))
                .containsExactly("⇡ PR #12 merged");
    }

    @Test
    void an_error_shows_its_message() {
        assertThat(print("error", "{\"message\":\"push rejected\"}")).containsExactly("✗ error: push rejected");
    }

    @Test
    void an_unknown_event_type_is_shown_with_its_data() {
        assertThat(print("preview", "{\"url\":\"http://x\"}")).containsExactly("[preview] {\"url\":\"http://x\"}");
    }

    @Test
    void the_end_of_a_failed_session_shows_the_failure() {
        StreamEnd end = new StreamEnd("failed", new SessionAnswer.Failure("setup_failed", "exit code 2", "setting_up"));

        assertThat(printer.end(end)).containsExactly("✗ session failed: setup_failed in setting_up: exit code 2");
    }

    @Test
    void the_end_of_a_completed_session_is_a_check_mark() {
        assertThat(printer.end(new StreamEnd("completed", null))).containsExactly("✓ session completed");
    }

    @Test
    void colours_are_ansi_codes_only_when_asked_for() {
        EventPrinter coloured = new EventPrinter(new Style(true));
        SessionEvent event = new SessionEvent(1, "s1", "error", Instant.EPOCH, ClientJson.parse("{\"message\":\"boom\"}"));

        assertThat(coloured.lines(event)).containsExactly("\u001b[31m✗ error: boom\u001b[0m");
        assertThat(printer.lines(event).get(0)).doesNotContain("\u001b");
    }
}
