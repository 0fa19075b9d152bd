package dev.magnet.runner;

import dev.magnet.sandbox.DiskUsage;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the file system of the data dir is full. Sessions' workspaces, homes and repositories, and by default the
 * embedded database, all live there, so one agent that fills it stops every write of the server, not only its own:
 * its sandbox's own disk limit ({@code MAGNET_SANDBOX_DISK_MB}) is watched every few seconds and cannot stop a
 * writer faster than that.
 */
final class DataDirSpace {
    private static final long MEASURE_ENTRIES = 1_000_000;
    private static final Duration MEASURE_TIMEOUT = Duration.ofSeconds(10);

    /** Below this much space left to unprivileged writers, the file system counts as full. */
    static final long FULL_BELOW_BYTES = 1L << 20;

    private DataDirSpace() {
    }

    /**
     * A sentence part saying how full the data dir's file system is ("… has 0.0 MiB free of 64.0 MiB"), when the
     * failure says a write found no space ({@code ENOSPC}, {@code EDQUOT}) or the file system has less than
     * {@link #FULL_BELOW_BYTES} left; empty otherwise.
     */
    static Optional<String> fullness(Path dataDir, Throwable failure) {
        long usable;
        long total;
        try {
            FileStore store = Files.getFileStore(dataDir);
            usable = store.getUsableSpace();
            total = store.getTotalSpace();
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!saysNoSpace(failure) && usable >= FULL_BELOW_BYTES) {
            return Optional.empty();
        }
        return Optional.of("the file system of the data dir " + dataDir + " has " + mib(usable) + " MiB free of "
                + mib(total) + " MiB");
    }

    /** True when the failure or one of its causes (or what was suppressed) is a write that found the disk or quota full. */
    static boolean saysNoSpace(Throwable failure) {
        return saysNoSpace(failure, new IdentityHashMap<>());
    }

    private static boolean saysNoSpace(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, true) != null) {
            return false;
        }
        String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("no space left on device") || message.contains("disk quota exceeded")) {
            return true;
        }
        for (Throwable suppressed : t.getSuppressed()) {
            if (saysNoSpace(suppressed, seen)) {
                return true;
            }
        }
        return saysNoSpace(t.getCause(), seen);
    }

    /**
     * The bytes {@code folders} take, measured as the disk watchdog measures them ({@link DiskUsage}: allocated blocks,
     * links never followed, so nothing outside the agent's folders is visited); 0 when they cannot be measured.
     */
    static long bytesUnder(List<Path> folders) {
        try {
            return DiskUsage.measure(folders, MEASURE_ENTRIES, MEASURE_TIMEOUT).bytes();
        } catch (IOException e) {
            return 0;
        }
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
