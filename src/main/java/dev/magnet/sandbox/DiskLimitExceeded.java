package dev.magnet.sandbox;

import java.util.Locale;

/**
 * A session's workspace, home and temp folder went past the sandbox's disk bound while the agent ran, and
 * everything in the sandbox was killed.
 *
 * @param limitBytes     the disk limit
 * @param measuredBytes  what the folders took (allocated blocks, hard links once)
 * @param limitFiles     the limit on files and folders
 * @param measuredFiles  how many the walk had seen; past {@code limitFiles} it stopped counting
 */
public record DiskLimitExceeded(long limitBytes, long measuredBytes, long limitFiles, long measuredFiles) {

    /** True when the number of files, rather than their size, went past the bound. */
    public boolean tooManyFiles() {
        return measuredFiles > limitFiles && measuredBytes <= limitBytes;
    }

    /** A sentence naming the limit and what was measured. */
    public String message() {
        if (tooManyFiles()) {
            return "The session's workspace, home and temp folder held more than " + limitFiles
                    + " files and folders, the sandbox's limit; everything running in the sandbox was stopped.";
        }
        return "The session's workspace, home and temp folder took " + mib(measuredBytes)
                + " on disk, past the sandbox's disk limit of " + mib(limitBytes)
                + "; everything running in the sandbox was stopped.";
    }

    private static String mib(long bytes) {
        double m = bytes / (1024.0 * 1024.0);
        return m == Math.rint(m) ? String.format(Locale.ROOT, "%d MiB", (long) m) : String.format(Locale.ROOT, "%.1f MiB", m);
    }
}
