package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FormatsTest {

    @Test
    void durations_read_as_seconds_then_minutes_then_hours() {
        assertThat(Formats.duration(400)).isEqualTo("0.4s");
        assertThat(Formats.duration(185_000)).isEqualTo("3m 05s");
        assertThat(Formats.duration(7_260_000)).isEqualTo("2h 01m");
    }

    @Test
    void ages_use_the_largest_whole_unit() {
        Instant now = Instant.parse("2025-06-01T12:00:00Z");

        assertThat(Formats.age(now.minusSeconds(45), now)).isEqualTo("45s");
        assertThat(Formats.age(now.minus(Duration.ofHours(3)), now)).isEqualTo("3h");
        assertThat(Formats.age(now.minus(Duration.ofDays(30)), now)).isEqualTo("4w");
    }

    @Test
    void cut_keeps_one_line_and_marks_what_it_dropped() {
        assertThat(Formats.cut("a\nb", 10)).isEqualTo("a b");
        assertThat(Formats.cut("abcdefghij", 5)).isEqualTo("abcd…");
    }

    @Test
    void backoff_doubles_up_to_its_maximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(3), 5);

        assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(backoff.delay(3)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(9)).isEqualTo(Duration.ofSeconds(3));
    }
}
