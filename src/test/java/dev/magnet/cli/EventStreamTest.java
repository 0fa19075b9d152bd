package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventStreamTest {

    @Test
    void frames_arriving_one_byte_at_a_time_keep_their_multi_byte_characters() throws IOException {
        byte[] bytes = "id: 1\nevent: text\ndata: {\"text\":\"héllo ✓ 🧲\"}\n\n: ping\n\n".getBytes(StandardCharsets.UTF_8);
        EventStream stream = new EventStream(new OneByteAtATime(bytes));

        assertThat(stream.next()).isEqualTo(new SseFrame("1", "text", "{\"text\":\"héllo ✓ 🧲\"}"));
        assertThat(stream.next()).isNull();
        assertThat(stream.receivedAnything()).isTrue();
    }

    /** A body that hands out one byte per read, as a slow network might. */
    private static final class OneByteAtATime extends InputStream {
        private final ByteArrayInputStream bytes;

        OneByteAtATime(byte[] bytes) {
            this.bytes = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            return bytes.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            return length == 0 ? 0 : bytes.read(buffer, offset, 1);
        }
    }
}
