package dev.magnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What runs on the host, for tests that assert a sandbox was torn down. */
public final class HostProcesses {
    private HostProcesses() {
    }

    /** Pids of the host's processes (other than this JVM) whose command line mentions {@code marker}. */
    public static List<Long> mentioning(String marker) {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                long pid = Long.parseLong(p.getFileName().toString());
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmdline.contains(marker) && pid != ProcessHandle.current().pid()) {
                        pids.add(pid);
                    }
                } catch (IOException gone) {
                    // why: the process ended while the list was read
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pids;
    }

    /** The cgroup folders (v2 or v1) of a session's sandbox that still exist. */
    public static List<Path> sessionGroups(String sessionId) {
        String name = "session-" + sessionId;
        return Stream.of(Path.of("/sys/fs/cgroup/magnet", name), Path.of("/sys/fs/cgroup/memory/magnet", name),
                Path.of("/sys/fs/cgroup/pids/magnet", name), Path.of("/sys/fs/cgroup/cpu/magnet", name))
                .filter(Files::exists).toList();
    }
}
