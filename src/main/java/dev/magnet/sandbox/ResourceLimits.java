package dev.magnet.sandbox;

/**
 * What one session's sandbox may use at most: memory (bytes, swap included where the host can say so),
 * processes and threads, and CPU (in cores, e.g. 1.5).
 */
public record ResourceLimits(long memoryBytes, int maxProcesses, double cpus) {
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
    }

    public long memoryMiB() {
        return memoryBytes / (1024 * 1024);
    }
}
