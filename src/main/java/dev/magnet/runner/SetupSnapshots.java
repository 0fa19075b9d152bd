package dev.magnet.runner;

import dev.magnet.sandbox.HostCommand;
import dev.magnet.files.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The setup cache (SPEC §5): what a successful setup left in the session's layer (its home and every change to the
 * image), and for the {@code commit} key its workspace, kept as a snapshot under
 * {@code <data>/setup-cache/<workspace>/<key>/} ({@code layer/}, {@code workspace/}, {@code size}). A later session with
 * the same key mounts {@code layer/} as a read-only lower layer under its own (constant time, nothing copied) and skips
 * setup. Snapshots are per workspace, are used for {@code ttl} after they were made, and the least recently used go
 * when all of them together pass {@code maxBytes}; a snapshot a running sandbox stands on is never removed. No sandbox
 * ever writes a snapshot: the layer is an overlay lower layer, the workspace is bound read-only.
 */
final class SetupSnapshots {
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern WORKSPACE_ID = Pattern.compile("[A-Za-z0-9_-]{1,100}");

    private final Path dir;
    private final Duration ttl;
    private final long maxBytes;
    private final Clock clock;
    private final Map<Path, Integer> inUse = new ConcurrentHashMap<>();

    SetupSnapshots(Path dir, Duration ttl, long maxBytes, Clock clock) {
        this.dir = dir;
        this.ttl = ttl;
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    /** A snapshot's key: the SHA-256 of everything that decides what setup produces. */
    record Key(String hex) {
        /**
         * @param parts what setup depends on, by name (image and its build, script, variables and secrets, repository,
         *              base commit or the listed files' blob ids); hashed, never stored
         */
        static Key of(Map<String, String> parts) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (var e : new TreeMap<>(parts).entrySet()) {
                    for (String s : List.of(e.getKey(), e.getValue())) {
                        byte[] b = s.getBytes(StandardCharsets.UTF_8);
                        sha.update((b.length + ":").getBytes(StandardCharsets.US_ASCII));
                        sha.update(b);
                    }
                }
                return new Key(HexFormat.of().formatHex(sha.digest()));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A kept snapshot: its layer, and its workspace when the key was the commit. */
    record Snapshot(Path dir) {
        Path layer() {
            return dir.resolve("layer");
        }

        Optional<Path> workspace() {
            Path w = dir.resolve("workspace");
            return Files.isDirectory(w, LinkOption.NOFOLLOW_LINKS) ? Optional.of(w) : Optional.empty();
        }
    }

    /** The workspace's snapshot for {@code key} when there is one younger than the TTL; marks it used now. */
    synchronized Optional<Snapshot> find(String workspaceId, Key key) {
        Path d = folder(workspaceId, key);
        if (!Files.isRegularFile(d.resolve("size"))) {
            return Optional.empty();
        }
        if (expired(d)) {
            if (!inUse.containsKey(d)) {
                FileTrees.deleteRecursively(d);
            }
            return Optional.empty();
        }
        touch(d);
        return Optional.of(new Snapshot(d));
    }

    /**
     * Keeps what setup produced: the session's layer folder {@code upper} is moved into the snapshot (the caller has
     * unmounted it; constant time), and {@code workspace}, when given, is copied ({@code cp -a}: links copied as
     * links, nothing in it read or run). Then the oldest snapshots go while all of them pass the size cap.
     */
    synchronized Snapshot store(String workspaceId, Key key, Path upper, Optional<Path> workspace) {
        Path d = folder(workspaceId, key);
        Path building = d.resolveSibling("." + key.hex() + ".building");
        try {
            FileTrees.deleteRecursively(building);
            Files.createDirectories(building);
            Files.move(upper, building.resolve("layer"));
            if (workspace.isPresent()) {
                run(List.of("cp", "-a", "--no-target-directory", "--", workspace.get().toString(),
                        building.resolve("workspace").toString()));
            }
            Files.writeString(building.resolve("size"), Long.toString(size(building)) + "\n");
            Files.setLastModifiedTime(building.resolve("size"), FileTime.from(clock.instant())); // why: made at, for the TTL
            if (!inUse.containsKey(d)) {
                FileTrees.deleteRecursively(d);
            }
            if (Files.exists(d)) {
                // why: a session stands on the old snapshot of this key; it stays until it is released and evicted
                FileTrees.deleteRecursively(building);
                touch(d);
                return new Snapshot(d);
            }
            Files.move(building, d);
            touch(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the setup snapshot in " + d + ": " + e.getMessage(), e);
        }
        evict();
        return new Snapshot(d);
    }

    /** A running sandbox stands on the snapshot: it is not removed until {@link #release}. */
    void acquire(Snapshot s) {
        inUse.merge(s.dir(), 1, Integer::sum);
    }

    void release(Snapshot s) {
        inUse.computeIfPresent(s.dir(), (k, n) -> n <= 1 ? null : n - 1);
    }

    /**
     * Removes expired snapshots, then the least recently used while all of them pass the size cap, and what a store cut
     * off by a server that died left half-made.
     */
    synchronized void evict() {
        leftovers().forEach(FileTrees::deleteRecursively);
        List<Path> all = all();
        all.stream().filter(this::expired).filter(d -> !inUse.containsKey(d)).forEach(FileTrees::deleteRecursively);
        List<Path> kept = new ArrayList<>(all().stream().sorted(Comparator.comparing(SetupSnapshots::lastUsed)).toList());
        long total = kept.stream().mapToLong(SetupSnapshots::recordedSize).sum();
        for (Path d : kept) {
            if (total <= maxBytes) {
                break;
            }
            if (!inUse.containsKey(d)) {
                total -= recordedSize(d);
                FileTrees.deleteRecursively(d);
            }
        }
    }

    private List<Path> all() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> workspaces = Files.list(dir)) {
            for (Path w : workspaces.toList()) {
                try (Stream<Path> keys = Files.list(w)) {
                    keys.filter(k -> HEX.matcher(k.getFileName().toString()).matches())
                            .filter(k -> Files.isRegularFile(k.resolve("size"))).forEach(out::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the setup cache in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Half-made snapshots ({@code .<key>.building}); none is being made while this object's lock is held. */
    private List<Path> leftovers() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> workspaces = Files.list(dir)) {
            for (Path w : workspaces.toList()) {
                try (Stream<Path> entries = Files.list(w)) {
                    entries.filter(e -> e.getFileName().toString().matches("\\.[0-9a-f]{64}\\.building")).forEach(out::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the setup cache in " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private Path folder(String workspaceId, Key key) {
        if (!WORKSPACE_ID.matcher(workspaceId).matches()) {
            throw new IllegalArgumentException("unexpected workspace id " + workspaceId);
        }
        return dir.resolve(workspaceId).resolve(key.hex());
    }

    private boolean expired(Path d) {
        try {
            Instant made = Files.getLastModifiedTime(d.resolve("size")).toInstant();
            return made.plus(ttl).isBefore(clock.instant());
        } catch (IOException e) {
            return true;
        }
    }

    private void touch(Path d) {
        try {
            Files.writeString(d.resolve("used"), "");
            Files.setLastModifiedTime(d.resolve("used"), FileTime.from(clock.instant()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Instant lastUsed(Path d) {
        try {
            return Files.getLastModifiedTime(d.resolve("used")).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private static long recordedSize(Path d) {
        try {
            return Long.parseLong(Files.readString(d.resolve("size")).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** Bytes allocated under {@code d}, links not followed, one file system. */
    private static long size(Path d) {
        String out = run(List.of("du", "-s", "-x", "-P", "-B1", "--", d.toString()));
        return Long.parseLong(out.strip().split("\\s+")[0]);
    }

    private static String run(List<String> argv) {
        try {
            HostCommand.Result r = HostCommand.run(argv, Duration.ofSeconds(600));
            if (!r.succeeded()) {
                throw new UncheckedIOException(new IOException(argv.get(0) + " failed: " + r.output().strip()));
            }
            return r.output();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
