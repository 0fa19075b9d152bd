package dev.magnet.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-session control groups for memory, process and CPU limits, on whatever the host offers:
 * cgroup v2 with the memory, pids and cpu controllers delegated, else the v1 hierarchies (this project's
 * machines are v1/v2 hybrids where only v1 has controllers; sandbox-research.md §2.3), else none (the
 * sandbox then falls back to rlimits). Creating groups needs write access to the hierarchy, normally root.
 */
public final class Cgroups {
    private static final Logger log = LoggerFactory.getLogger(Cgroups.class);
    private static final List<String> V1_CONTROLLERS = List.of("memory", "pids", "cpu");
    private static final long CPU_PERIOD_US = 100_000;

    /** Which cgroup interface is in use. */
    public enum Kind { V2, V1, NONE }

    private final Kind kind;
    private final Path root;

    private Cgroups(Kind kind, Path root) {
        this.kind = kind;
        this.root = root;
    }

    /** Looks at {@code /sys/fs/cgroup} and picks what works here. */
    public static Cgroups detect() {
        return detect(Path.of("/sys/fs/cgroup"));
    }

    static Cgroups detect(Path mount) {
        if (usableV2(mount)) {
            return new Cgroups(Kind.V2, mount.resolve("magnet"));
        }
        if (V1_CONTROLLERS.stream().allMatch(c -> Files.isWritable(mount.resolve(c).resolve("cgroup.procs")))) {
            return new Cgroups(Kind.V1, mount);
        }
        return new Cgroups(Kind.NONE, mount);
    }

    /** No cgroups at all: limits fall back to rlimits. */
    public static Cgroups none() {
        return new Cgroups(Kind.NONE, Path.of("/nonexistent"));
    }

    public Kind kind() {
        return kind;
    }

    /** What enforces the limits, for the session's details and {@code ./magnet doctor}. */
    public String describe() {
        return switch (kind) {
            case V2 -> "cgroup v2 (memory.max, pids.max, cpu.max)";
            case V1 -> "cgroup v1 (memory, pids, cpu)";
            case NONE -> "rlimits (no writable cgroup memory/pids/cpu controllers; memory is not limited)";
        };
    }

    /**
     * Makes (or remakes, after a crash) the group {@code name} with these limits.
     *
     * @throws SandboxException when the hierarchy refuses
     */
    public Group create(String name, ResourceLimits limits) {
        if (kind == Kind.NONE) {
            return new Group(this, List.of());
        }
        List<Path> dirs = dirs(name);
        Group group = new Group(this, dirs);
        group.close();
        try {
            for (Path dir : dirs) {
                Files.createDirectories(dir);
            }
            long quota = Math.round(limits.cpus() * CPU_PERIOD_US);
            if (kind == Kind.V2) {
                Path d = dirs.getFirst();
                write(d.resolve("memory.max"), limits.memoryBytes());
                writeIfPresent(d.resolve("memory.swap.max"), "0");
                write(d.resolve("pids.max"), limits.maxProcesses());
                write(d.resolve("cpu.max"), quota + " " + CPU_PERIOD_US);
            } else {
                Path memory = dirs.get(0);
                write(memory.resolve("memory.limit_in_bytes"), limits.memoryBytes());
                // why: without swap accounting the file is absent; with it, swap must not extend the limit
                writeIfPresent(memory.resolve("memory.memsw.limit_in_bytes"), Long.toString(limits.memoryBytes()));
                write(dirs.get(1).resolve("pids.max"), limits.maxProcesses());
                write(dirs.get(2).resolve("cpu.cfs_period_us"), CPU_PERIOD_US);
                write(dirs.get(2).resolve("cpu.cfs_quota_us"), quota);
            }
        } catch (IOException e) {
            group.close();
            throw new SandboxException("cannot set up the session's cgroup " + name + " (" + describe() + "): " + e.getMessage(), e);
        }
        return group;
    }

    /** Kills every process left in the group {@code name} and removes it; nothing happens when there is none. */
    public void discard(String name) {
        new Group(this, dirs(name)).close();
    }

    private List<Path> dirs(String name) {
        return switch (kind) {
            case V2 -> List.of(root.resolve(name));
            case V1 -> V1_CONTROLLERS.stream().map(c -> root.resolve(c).resolve("magnet").resolve(name)).toList();
            case NONE -> List.of();
        };
    }

    /**
     * What enforces one kind of limit here, for {@code ./magnet doctor}.
     *
     * @param limit    {@code memory}, {@code processes} or {@code CPU}
     * @param enforced true when a probe group took the limit and reads it back
     * @param detail   which controller and file, or why none
     * @param fix      what to change when not enforced (or to tighten it), else null
     */
    public record Enforcement(String limit, boolean enforced, String detail, String fix) {
    }

    /**
     * Makes a short-lived probe group with small limits, reads each limit back and removes the group: whether
     * memory, processes and CPU are really enforced, and by what.
     */
    public List<Enforcement> probe() {
        String delegate = "run Magnet as root, or give it a delegated cgroup v2 subtree with the memory, pids and cpu "
                + "controllers (systemd: Delegate=yes in its unit)";
        if (kind == Kind.NONE) {
            String why = whyNone();
            return List.of(new Enforcement("memory", false, "not limited: " + why, delegate),
                    new Enforcement("process", false, "ulimit -u only (per account, not per session): " + why, delegate),
                    new Enforcement("CPU", false, "not limited: " + why, delegate));
        }
        ResourceLimits probeLimits = new ResourceLimits(64L * 1024 * 1024, 64, 0.5, 1024 * 1024, 1000);
        Group group;
        try {
            group = create("doctor-probe-" + ProcessHandle.current().pid(), probeLimits);
        } catch (SandboxException e) {
            return List.of(new Enforcement("memory, processes and CPU", false, e.getMessage(), delegate));
        }
        try (group) {
            List<Path> d = group.dirs;
            Path memory = d.getFirst();
            Path pids = kind == Kind.V2 ? d.getFirst() : d.get(1);
            Path cpu = kind == Kind.V2 ? d.getFirst() : d.get(2);
            String memoryFile = kind == Kind.V2 ? "memory.max" : "memory.limit_in_bytes";
            String swapFile = kind == Kind.V2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes";
            boolean swapCounted = Files.exists(memory.resolve(swapFile));
            String cpuFile = kind == Kind.V2 ? "cpu.max" : "cpu.cfs_quota_us";
            String cpuWanted = kind == Kind.V2 ? "50000 100000" : "50000";
            String v = kind == Kind.V2 ? "cgroup v2 " : "cgroup v1 ";
            return List.of(
                    new Enforcement("memory", readBack(memory.resolve(memoryFile)).equals(Long.toString(probeLimits.memoryBytes())),
                            v + memory.getParent() + " (" + memoryFile + (swapCounted ? ", swap counted in " + swapFile
                                    : "; swap is not counted, so a session may also fill swap") + ")",
                            swapCounted ? null : "boot with swapaccount=1 (cgroup v1), or run without swap"),
                    new Enforcement("process", readBack(pids.resolve("pids.max")).equals("64"),
                            v + pids.getParent() + " (pids.max, threads included)", null),
                    new Enforcement("CPU", readBack(cpu.resolve(cpuFile)).equals(cpuWanted),
                            v + cpu.getParent() + " (" + cpuFile + ")", null));
        }
    }

    private static String readBack(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** Why neither cgroup interface is usable, in a sentence part. */
    private static String whyNone() {
        Path mount = Path.of("/sys/fs/cgroup");
        List<String> parts = new ArrayList<>();
        for (Path controllers : List.of(mount.resolve("cgroup.controllers"), mount.resolve("unified/cgroup.controllers"))) {
            if (Files.isRegularFile(controllers)) {
                parts.add("cgroup v2 at " + controllers.getParent() + " offers only '" + readBack(controllers) + "'");
            }
        }
        for (String c : V1_CONTROLLERS) {
            Path procs = mount.resolve(c).resolve("cgroup.procs");
            if (!Files.exists(procs)) {
                parts.add("no cgroup v1 " + c + " hierarchy");
            } else if (!Files.isWritable(procs)) {
                parts.add("the cgroup v1 " + c + " hierarchy is not writable by this account");
            }
        }
        return parts.isEmpty() ? "no cgroup interface found" : String.join("; ", parts);
    }

    private static boolean usableV2(Path mount) {
        Path controllers = mount.resolve("cgroup.controllers");
        if (!Files.isRegularFile(controllers)) {
            return false;
        }
        try {
            List<String> available = List.of(Files.readString(controllers).trim().split("\\s+"));
            if (!available.containsAll(List.of("memory", "pids", "cpu"))) {
                return false;
            }
            Path base = mount.resolve("magnet");
            Files.createDirectories(base);
            Files.writeString(mount.resolve("cgroup.subtree_control"), "+memory +pids +cpu");
            Files.writeString(base.resolve("cgroup.subtree_control"), "+memory +pids +cpu");
            return true;
        } catch (IOException | RuntimeException e) {
            log.debug("cgroup v2 is not usable here: {}", e.getMessage());
            return false;
        }
    }

    private static void write(Path file, Object value) throws IOException {
        Files.writeString(file, value.toString());
    }

    private static void writeIfPresent(Path file, String value) {
        if (Files.exists(file)) {
            try {
                Files.writeString(file, value);
            } catch (IOException e) {
                log.debug("cannot write {}: {}", file, e.getMessage());
            }
        }
    }

    /** One session's group: where to put the sandbox's first process, OOM kills seen, kill and removal. */
    public static final class Group implements AutoCloseable {
        private final Cgroups cgroups;
        private final List<Path> dirs;

        private Group(Cgroups cgroups, List<Path> dirs) {
            this.cgroups = cgroups;
            this.dirs = dirs;
        }

        /** The {@code cgroup.procs} files the launcher writes its own pid to before it starts bwrap. */
        public List<Path> procsFiles() {
            return dirs.stream().map(d -> d.resolve("cgroup.procs")).toList();
        }

        /** How many processes the kernel killed in this group for exceeding its memory limit. */
        public long oomKills() {
            if (dirs.isEmpty()) {
                return 0;
            }
            Path file = dirs.getFirst().resolve(cgroups.kind == Kind.V2 ? "memory.events" : "memory.oom_control");
            try {
                for (String line : Files.readAllLines(file)) {
                    if (line.startsWith("oom_kill ")) {
                        return Long.parseLong(line.substring(9).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                log.debug("cannot read {}: {}", file, e.getMessage());
            }
            return 0;
        }

        /** How many times a fork in this group failed because the process limit was reached. */
        public long processLimitHits() {
            Path file = dirs.isEmpty() ? null : (cgroups.kind == Kind.V2 ? dirs.getFirst() : dirs.get(1)).resolve("pids.events");
            try {
                if (file != null && Files.exists(file)) {
                    for (String line : Files.readAllLines(file)) {
                        if (line.startsWith("max ")) {
                            return Long.parseLong(line.substring(4).trim());
                        }
                    }
                }
            } catch (IOException | NumberFormatException e) {
                log.debug("cannot read {}: {}", file, e.getMessage());
            }
            return 0;
        }

        /** Kills every process in the group. */
        public void killAll() {
            for (Path dir : dirs) {
                Path kill = dir.resolve("cgroup.kill");
                if (Files.exists(kill)) {
                    try {
                        Files.writeString(kill, "1");
                        continue;
                    } catch (IOException e) {
                        log.debug("cgroup.kill failed in {}: {}", dir, e.getMessage());
                    }
                }
                pids(dir).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            }
        }

        /** True when no process is left in the group. */
        public boolean isEmpty() {
            return dirs.stream().allMatch(d -> pids(d).isEmpty());
        }

        /** Kills what is left and removes the group (waiting briefly for the kernel to reap). */
        @Override
        public void close() {
            for (int attempt = 0; attempt < 50 && dirs.stream().anyMatch(Files::isDirectory); attempt++) {
                killAll();
                for (Path dir : dirs) {
                    removeTree(dir);
                }
                if (dirs.stream().anyMatch(Files::isDirectory)) {
                    sleep(20);
                }
            }
            dirs.stream().filter(Files::isDirectory).forEach(d -> log.warn("could not remove cgroup {}", d));
        }

        private static List<Long> pids(Path dir) {
            Path procs = dir.resolve("cgroup.procs");
            if (!Files.exists(procs)) {
                return List.of();
            }
            try {
                List<Long> pids = new ArrayList<>();
                for (String line : Files.readAllLines(procs)) {
                    if (!line.isBlank()) {
                        pids.add(Long.parseLong(line.trim()));
                    }
                }
                return pids;
            } catch (IOException | NumberFormatException e) {
                return List.of();
            }
        }

        private static void removeTree(Path dir) {
            if (!Files.isDirectory(dir)) {
                return;
            }
            // why: cgroup directories are removed with rmdir, children first; their control files go with them
            try (Stream<Path> children = Files.list(dir)) {
                children.filter(Files::isDirectory).forEach(Group::removeTree);
            } catch (IOException e) {
                log.debug("cannot list {}: {}", dir, e.getMessage());
            }
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                log.debug("cannot remove {} yet: {}", dir, e.getMessage());
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public String toString() {
            return dirs.isEmpty() ? "no cgroup" : String.join(", ", dirs.stream().map(Path::toString).toList());
        }
    }
}
