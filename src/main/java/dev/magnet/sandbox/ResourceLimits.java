package dev.magnet.sandbox;

/**
 * What one session's sandbox may use at most: memory (bytes, swap included where the host can say so),
 * processes and threads, CPU (in cores, e.g. 1.5), and disk: the bytes its workspace, home and temp folder
 * may take together and how many files and folders they may hold.
 */
public record ResourceLimits(long memoryBytes, int maxProcesses, double cpus, long diskBytes, long maxFiles) {
    public ResourceLimits {
        if (memoryBytes < 16L * 1024 * 1024) {
            throw new IllegalArgumentException("the sandbox memory limit must be at least 16 MiB, was " + memoryBytes + " bytes");
        }
        if (maxProcesses < 16) {
            throw new IllegalArgumentException("the sandbox process limit must be at least 16, was " + maxProcesses);
        }
        if (cpus <= 0) {
            throw new IllegalArgumentException("the sandbox CPU limit must be more than 0, was " + cpus);
        }
        if (diskBytes < 1024 * 1024) {
            throw new IllegalArgumentException("the sandbox disk limit must be at least 1 MiB, was " + diskBytes + " bytes");
        }
        if (maxFiles < 1000) {
            throw new IllegalArgumentException("the sandbox file limit must be at least 1000, was " + maxFiles);
        }
    }

    public long memoryMiB() {
        return memoryBytes / (1024 * 1024);
    }

    public long diskMiB() {
        return diskBytes / (1024 * 1024);
    }
}
