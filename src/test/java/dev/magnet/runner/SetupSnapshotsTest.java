package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SetupSnapshotsTest {
    @TempDir
    Path dir;

    private final MovableClock clock = new MovableClock();

    /** A clock the test moves by hand. */
    private static final class MovableClock extends java.time.Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void a_kept_layer_is_found_by_its_key_in_its_workspace_only() throws Exception {
        SetupSnapshots snapshots = new SetupSnapshots(dir.resolve("cache"), Duration.ofDays(7), 1L << 40, clock);
        SetupSnapshots.Key key = SetupSnapshots.Key.of(Map.of("image", "default@1", "commit", "abc"));

        SetupSnapshots.Snapshot kept = snapshots.store("ws1", key, upper("a", 10), Optional.empty());

        assertThat(kept.layer().resolve("file")).exists();
        assertThat(dir.resolve("a")).as("moved, not copied").doesNotExist();
        assertThat(snapshots.find("ws1", key)).contains(kept);
        assertThat(snapshots.find("ws2", key)).isEmpty();
        assertThat(snapshots.find("ws1", SetupSnapshots.Key.of(Map.of("image", "default@1", "commit", "abd")))).isEmpty();
    }

    @Test
    void keys_differ_when_any_part_differs_and_not_with_the_order_of_the_parts() {
        assertThat(SetupSnapshots.Key.of(Map.of("a", "1", "b", "2"))).isEqualTo(SetupSnapshots.Key.of(Map.of("b", "2", "a", "1")));
        assertThat(SetupSnapshots.Key.of(Map.of("a", "1b", "b", ""))).isNotEqualTo(SetupSnapshots.Key.of(Map.of("a", "1", "b", "b")));
    }

    @Test
    void a_snapshot_older_than_the_ttl_is_not_used_and_goes() throws Exception {
        SetupSnapshots snapshots = new SetupSnapshots(dir.resolve("cache"), Duration.ofDays(7), 1L << 40, clock);
        SetupSnapshots.Key key = SetupSnapshots.Key.of(Map.of("k", "1"));
        SetupSnapshots.Snapshot kept = snapshots.store("ws1", key, upper("a", 10), Optional.empty());

        clock.advance(Duration.ofDays(8));

        assertThat(snapshots.find("ws1", key)).isEmpty();
        assertThat(kept.dir()).doesNotExist();
    }

    @Test
    void past_the_size_cap_the_least_recently_used_go_but_never_one_a_sandbox_stands_on() throws Exception {
        SetupSnapshots snapshots = new SetupSnapshots(dir.resolve("cache"), Duration.ofDays(7), 300 * 1024, clock);
        SetupSnapshots.Snapshot a = snapshots.store("ws1", SetupSnapshots.Key.of(Map.of("k", "a")), upper("a", 120 * 1024), Optional.empty());
        clock.advance(Duration.ofMinutes(1));
        SetupSnapshots.Snapshot b = snapshots.store("ws1", SetupSnapshots.Key.of(Map.of("k", "b")), upper("b", 120 * 1024), Optional.empty());
        clock.advance(Duration.ofMinutes(1));
        snapshots.acquire(a);
        snapshots.find("ws1", SetupSnapshots.Key.of(Map.of("k", "a")));
        clock.advance(Duration.ofMinutes(1));
        snapshots.release(a);
        snapshots.acquire(b);

        SetupSnapshots.Snapshot c = snapshots.store("ws2", SetupSnapshots.Key.of(Map.of("k", "c")), upper("c", 120 * 1024), Optional.empty());

        assertThat(b.dir()).as("in use, kept though least recently used").exists();
        assertThat(a.dir()).as("the least recently used of the free ones").doesNotExist();
        assertThat(c.dir()).exists();
    }

    @Test
    void a_snapshot_left_half_made_goes_at_the_next_store() throws Exception {
        SetupSnapshots snapshots = new SetupSnapshots(dir.resolve("cache"), Duration.ofDays(7), 1L << 40, clock);
        Path halfMade = dir.resolve("cache/ws1/." + "a".repeat(64) + ".building/layer");
        Files.createDirectories(halfMade);

        snapshots.store("ws1", SetupSnapshots.Key.of(Map.of("k", "1")), upper("a", 10), Optional.empty());

        assertThat(halfMade.getParent()).doesNotExist();
    }

    private Path upper(String name, int bytes) throws Exception {
        Path upper = dir.resolve(name);
        Files.createDirectories(upper);
        Files.write(upper.resolve("file"), new byte[bytes]);
        return upper;
    }
}
