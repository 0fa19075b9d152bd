package dev.magnet.runner;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The bytes under {@code dir}, as the files' sizes add up (links not followed); 0 when it is missing. */
    static long bytesUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }
}
