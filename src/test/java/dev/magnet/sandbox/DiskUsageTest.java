package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk measurement counts what the folders really hold, once, and only inside them. */
class DiskUsageTest {
    private static final long MIB = 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void a_written_file_counts_its_allocated_blocks() throws IOException {
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        write(workspace.resolve("data.bin"), 3 * MIB);

        DiskUsage.Measurement m = DiskUsage.measure(List.of(workspace), 1000, TIMEOUT);

        assertThat(m.bytes()).isBetween(3 * MIB, 3 * MIB + 64 * 1024);
        assertThat(m.entries()).isEqualTo(2);
        assertThat(m.complete()).isTrue();
    }

    @Test
    void a_sparse_file_counts_what_it_holds_not_its_length() throws IOException {
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        try (RandomAccessFile f = new RandomAccessFile(workspace.resolve("sparse.img").toFile(), "rw")) {
            f.setLength(4L * 1024 * MIB);
            f.seek(MIB);
            f.write(new byte[4096]);
        }

        DiskUsage.Measurement m = DiskUsage.measure(List.of(workspace), 1000, TIMEOUT);

        assertThat(Files.size(workspace.resolve("sparse.img"))).isEqualTo(4L * 1024 * MIB);
        assertThat(m.bytes()).isLessThan(MIB);
    }

    @Test
    void a_file_hard_linked_in_two_folders_counts_once() throws IOException {
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        Path home = Files.createDirectories(dir.resolve("home"));
        Path original = write(workspace.resolve("big.bin"), 4 * MIB);
        Files.createLink(home.resolve("same.bin"), original);
        Files.createLink(workspace.resolve("again.bin"), original);

        DiskUsage.Measurement m = DiskUsage.measure(List.of(workspace, home), 1000, TIMEOUT);

        assertThat(m.bytes()).isBetween(4 * MIB, 5 * MIB);
        assertThat(m.entries()).isEqualTo(5);
    }

    @Test
    void symbolic_links_are_counted_as_links_and_never_followed() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        write(outside.resolve("host-file.bin"), 8 * MIB);
        for (int i = 0; i < 50; i++) {
            Files.writeString(outside.resolve("f" + i), "x");
        }
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        Files.createSymbolicLink(workspace.resolve("to-file"), outside.resolve("host-file.bin"));
        Files.createSymbolicLink(workspace.resolve("to-folder"), outside);
        Files.createSymbolicLink(workspace.resolve("loop"), workspace);
        Path home = Files.createSymbolicLink(dir.resolve("home"), outside);

        DiskUsage.Measurement m = DiskUsage.measure(List.of(workspace, home), 1000, TIMEOUT);

        assertThat(m.bytes()).isLessThan(MIB);
        assertThat(m.entries()).as("the folder, its three links and the root that is a link").isEqualTo(5);
        assertThat(m.complete()).isTrue();
    }

    @Test
    void the_walk_stops_after_the_entry_limit() throws IOException {
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        for (int d = 0; d < 20; d++) {
            Path sub = Files.createDirectories(workspace.resolve("d" + d));
            for (int i = 0; i < 100; i++) {
                Files.createFile(sub.resolve("empty-" + i));
            }
        }

        DiskUsage.Measurement m = DiskUsage.measure(List.of(workspace), 500, TIMEOUT);

        assertThat(m.entries()).isEqualTo(501);
        assertThat(m.complete()).isFalse();
    }

    @Test
    void folders_that_do_not_exist_count_nothing() throws IOException {
        DiskUsage.Measurement m = DiskUsage.measure(List.of(dir.resolve("gone")), 1000, TIMEOUT);

        assertThat(m).isEqualTo(new DiskUsage.Measurement(0, 0, true));
    }

    @Test
    void the_breach_names_the_limit_and_the_measured_size() {
        assertThat(new DiskLimitExceeded(16 * MIB, 25 * MIB + MIB / 2, 1000, 12).message())
                .contains("took 25.5 MiB").contains("disk limit of 16 MiB");
        DiskLimitExceeded files = new DiskLimitExceeded(16 * MIB, MIB, 1000, 1001);
        assertThat(files.tooManyFiles()).isTrue();
        assertThat(files.message()).contains("more than 1000 files and folders");
    }

    private static Path write(Path file, long bytes) throws IOException {
        byte[] chunk = new byte[(int) MIB];
        new Random(42).nextBytes(chunk);
        try (var out = Files.newOutputStream(file)) {
            for (long written = 0; written < bytes; written += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, bytes - written));
            }
        }
        return file;
    }
}
