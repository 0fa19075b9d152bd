package dev.magnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BoundedLineReaderTest {

    @Test
    void lines_come_back_without_their_terminators_and_the_last_one_may_lack_it() throws IOException {
        BoundedLineReader reader = reader("first\nsecond\r\n\nlast", 100);

        assertThat(reader.readLine()).isEqualTo("first");
        assertThat(reader.readLine()).isEqualTo("second");
        assertThat(reader.readLine()).isEmpty();
        assertThat(reader.readLine()).isEqualTo("last");
        assertThat(reader.readLine()).isNull();
        assertThat(reader.readLine()).isNull();
    }

    @Test
    void a_line_of_exactly_the_bound_is_read_and_one_byte_more_is_refused() throws IOException {
        BoundedLineReader reader = reader("a".repeat(10) + "\n" + "b".repeat(11) + "\nafter\n", 10);

        assertThat(reader.readLine()).isEqualTo("a".repeat(10));
        assertThatThrownBy(reader::readLine).isInstanceOf(BoundedLineReader.LineTooLongException.class)
                .satisfies(e -> assertThat(((BoundedLineReader.LineTooLongException) e).maxBytes()).isEqualTo(10));
        assertThat(reader.readLine()).as("the rest of the long line is skipped").isEqualTo("after");
        assertThat(reader.readLine()).isNull();
    }

    @Test
    void the_bound_counts_bytes_of_utf8_not_characters() throws IOException {
        BoundedLineReader reader = reader("ééééé\néééééé\n", 10);

        assertThat(reader.readLine()).isEqualTo("ééééé");
        assertThatThrownBy(reader::readLine).isInstanceOf(BoundedLineReader.LineTooLongException.class);
    }

    @Test
    void lines_that_span_many_reads_are_joined() throws IOException {
        String longLine = "x".repeat(300_000);
        BoundedLineReader reader = new BoundedLineReader(new TrickleStream(longLine + "\nshort\n", 7_777), 300_000);

        assertThat(reader.readLine()).isEqualTo(longLine);
        assertThat(reader.readLine()).isEqualTo("short");
    }

    @Test
    void a_line_that_never_ends_is_refused_after_reading_little_more_than_the_bound() {
        AtomicLong served = new AtomicLong();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served.incrementAndGet();
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                java.util.Arrays.fill(b, off, off + len, (byte) 'x');
                served.addAndGet(len);
                return len;
            }
        };
        BoundedLineReader reader = new BoundedLineReader(endless, 1_000_000);

        assertThatThrownBy(reader::readLine).isInstanceOf(BoundedLineReader.LineTooLongException.class);
        assertThat(served.get()).isLessThan(1_000_000 + 128 * 1024);
    }

    @Test
    void a_long_line_at_the_end_of_the_stream_leaves_nothing_to_read() throws IOException {
        BoundedLineReader reader = new BoundedLineReader(new SequenceInputStream(
                new ByteArrayInputStream("ok\n".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayInputStream("y".repeat(200_000).getBytes(StandardCharsets.UTF_8))), 1000);

        assertThat(reader.readLine()).isEqualTo("ok");
        assertThatThrownBy(reader::readLine).isInstanceOf(BoundedLineReader.LineTooLongException.class);
        assertThat(reader.readLine()).isNull();
    }

    private static BoundedLineReader reader(String text, long max) {
        return new BoundedLineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
    }

    /** Serves its bytes a few at a time, as a pipe does. */
    private static final class TrickleStream extends InputStream {
        private final byte[] bytes;
        private final int step;
        private int position;

        TrickleStream(String text, int step) {
            this.bytes = text.getBytes(StandardCharsets.UTF_8);
            this.step = step;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position == bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, step), bytes.length - position);
            System.arraycopy(bytes, position, b, off, n);
            position += n;
            return n;
        }
    }
}
