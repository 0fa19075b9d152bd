package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
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

    @Test
    void the_space_a_workspace_gave_back_never_counts_what_its_links_point_to() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("host"));
        Files.write(outside.resolve("big"), new byte[8 * 1024 * 1024]);
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        Files.write(workspace.resolve("own"), new byte[64 * 1024]);
        // the agent's links to a host file and a host folder: stat through them would count (and visit) the host
        Files.createSymbolicLink(workspace.resolve("to-file"), outside.resolve("big"));
        Files.createSymbolicLink(workspace.resolve("to-folder"), outside);

        long bytes = DataDirSpace.bytesUnder(List.of(workspace, dir.resolve("tmp-that-is-missing")));

        assertThat(bytes).isGreaterThanOrEqualTo(64 * 1024).isLessThan(1024 * 1024);
    }

    /** A failure whose message quotes git, as a finishing step's does. */
    private static final class StepFailureLike extends Exception {
        StepFailureLike(String message) {
            super(message);
        }
    }
}
