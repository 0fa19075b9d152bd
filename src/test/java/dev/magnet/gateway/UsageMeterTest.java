package dev.magnet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UsageMeterTest {
    @Test
    void a_streamed_answer_is_metered_from_message_start_and_the_last_message_delta() {
        String sse = """
                event: message_start
                data: {"type":"message_start","message":{"usage":{"input_tokens":100,"cache_read_input_tokens":20,"output_tokens":1}}}

                event: message_delta
                data: {"type":"message_delta","usage":{"output_tokens":7}}

                event: message_delta
                data: {"type":"message_delta","usage":{"output_tokens":42}}
                """;
        UsageMeter meter = new UsageMeter();
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        meter.feed(bytes, 0, 10);
        meter.feed(bytes, 10, bytes.length - 10);
        meter.finish();

        assertThat(meter.inputTokens()).isEqualTo(120);
        assertThat(meter.outputTokens()).isEqualTo(42);
    }

    @Test
    void a_json_answer_is_metered_from_its_usage() {
        byte[] json = "{\"type\":\"message\",\"usage\":{\"input_tokens\":5,\"output_tokens\":3}}".getBytes(StandardCharsets.UTF_8);
        UsageMeter meter = new UsageMeter();
        meter.feed(json, 0, json.length);
        meter.finish();

        assertThat(meter.inputTokens()).isEqualTo(5);
        assertThat(meter.outputTokens()).isEqualTo(3);
    }
}
