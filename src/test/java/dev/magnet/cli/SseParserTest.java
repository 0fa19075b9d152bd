package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {

    private final SseParser parser = new SseParser();

    @Test
    void a_frame_is_returned_with_its_id_event_and_data_at_the_blank_line() {
        assertThat(parser.feed("id: 7\nevent: text\ndata: {\"seq\":7}\n")).isEmpty();

        assertThat(parser.feed("\n")).containsExactly(new SseFrame("7", "text", "{\"seq\":7}"));
    }

    @Test
    void several_data_lines_are_joined_with_line_feeds() {
        List<SseFrame> frames = parser.feed("data: first\ndata:second\ndata:  third\n\n");

        assertThat(frames).containsExactly(new SseFrame(null, "message", "first\nsecond\n third"));
    }

    @Test
    void comments_such_as_heartbeats_are_skipped_and_dispatch_nothing() {
        assertThat(parser.feed(": ping\n\n:\n\n")).isEmpty();

        assertThat(parser.feed("data: x\n: ping\n\n")).containsExactly(new SseFrame(null, "message", "x"));
    }

    @Test
    void a_frame_split_across_reads_is_returned_once_it_is_complete() {
        String stream = "id: 1\nevent: status\ndata: {\"a\":1}\n\nid: 2\nevent: text\ndata: {\"b\":2}\n\n";
        List<SseFrame> frames = new ArrayList<>();

        for (char c : stream.toCharArray()) {
            frames.addAll(parser.feed(String.valueOf(c)));
        }

        assertThat(frames).containsExactly(
                new SseFrame("1", "status", "{\"a\":1}"),
                new SseFrame("2", "text", "{\"b\":2}"));
    }

    @Test
    void crlf_and_cr_line_endings_work_also_when_a_crlf_is_split_between_reads() {
        List<SseFrame> frames = new ArrayList<>();

        frames.addAll(parser.feed("id: 3\r"));
        frames.addAll(parser.feed("\ndata: crlf\r\n\r"));
        frames.addAll(parser.feed("\nid: 4\rdata: cr\r\r"));

        assertThat(frames).containsExactly(new SseFrame("3", "message", "crlf"), new SseFrame("4", "message", "cr"));
    }

    @Test
    void the_id_of_one_frame_does_not_carry_over_to_the_next() {
        List<SseFrame> frames = parser.feed("id: 9\ndata: a\n\nevent: end\ndata: {\"status\":\"completed\"}\n\n");

        assertThat(frames).extracting(SseFrame::id).containsExactly("9", null);
    }

    @Test
    void an_end_frame_without_data_is_still_returned() {
        assertThat(parser.feed("event: end\n\n")).containsExactly(new SseFrame(null, "end", ""));
    }

    @Test
    void a_field_without_a_colon_has_an_empty_value_and_unknown_fields_are_ignored() {
        List<SseFrame> frames = parser.feed("retry: 1000\nfoo: bar\ndata\ndata: x\n\n");

        assertThat(frames).containsExactly(new SseFrame(null, "message", "\nx"));
    }

    @Test
    void an_unfinished_frame_is_kept_until_its_blank_line_arrives() {
        assertThat(parser.feed("data: half")).isEmpty();
        assertThat(parser.feed(" and the rest\n")).isEmpty();

        assertThat(parser.feed("\n")).containsExactly(new SseFrame(null, "message", "half and the rest"));
    }

    @Test
    void a_byte_order_mark_at_the_start_of_the_stream_is_skipped() {
        assertThat(parser.feed("\uFEFFdata: x\n\n")).containsExactly(new SseFrame(null, "message", "x"));
    }
}
