package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirSpaceTest {
    @TempDir
    Path dir;

    @Test
    void a_write_that_found_no_space_is_told_anywhere_among_the_causes_and_what_was_suppressed() {
        SQLException closed = new SQLException("The database has been closed", "90098");
        IllegalStateException general = new IllegalStateException("General error: Writing to a file channel failed");
        general.addSuppressed(new RuntimeException(new IOException("No space left on device")));
        closed.initCause(general);

        assertThat(DataDirSpace.saysNoSpace(closed)).isTrue();
        assertThat(DataDirSpace.saysNoSpace(new IOException("write: Disk quota exceeded"))).isTrue();
        assertThat(DataDirSpace.saysNoSpace(new StepFailureLike("git said: fatal: unable to write loose object file: "
                + "No space left on device"))).isTrue();
        assertThat(DataDirSpace.saysNoSpace(new IOException("Permission denied"))).isFalse();
    }

    @Test
    void causes_that_refer_to_each_other_are_read_once() {
        RuntimeException outer = new RuntimeException("outer");
        RuntimeException inner = new RuntimeException("inner", outer);
        outer.addSuppressed(inner);

        assertThat(DataDirSpace.saysNoSpace(outer)).isFalse();
    }

    @Test
    void a_data_dir_with_room_and_a_failure_of_another_kind_is_not_full() {
        assertThat(DataDirSpace.fullness(dir, new IOException("Permission denied"))).isEmpty();
        assertThat(DataDirSpace.fullness(dir, new IOException("No space left on device"))).hasValueSatisfying(
                s -> assertThat(s).startsWith("the file system of the data dir " + dir + " has ").contains(" MiB free of "));
    }

    /** A failure whose message quotes git, as a finishing step's does. */
    private static final class StepFailureLike extends Exception {
        StepFailureLike(String message) {
            super(message);
        }
    }
}
