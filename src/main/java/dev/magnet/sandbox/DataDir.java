package dev.magnet.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The data dir holds everything the agent must never see: the database, the secret key, mirrors and every
 * session's folders. At start Magnet makes it private to its own account (mode 0700) and refuses a data dir that
 * a sandbox would see through one of the host folders bound into it read-only ({@code /usr}, the {@code /etc}
 * entries, the toolchains, the Claude Code binary's folder), or a toolchain that would bind part of the data dir.
 * Paths are compared by their real paths, so a symbolic link cannot hide an overlap.
 */
public final class DataDir {
    private DataDir() {
    }

    /**
     * Creates the data dir if needed and makes it mode 0700; returns its real path.
     *
     * @throws SandboxException when it is the root folder or a shared temporary folder, belongs to another
     *                          account, or cannot be created or changed
     */
    public static Path makePrivate(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            Path real = dataDir.toRealPath();
            if (real.getParent() == null) {
                throw new SandboxException("The data dir " + dataDir + " is the root folder; set MAGNET_DATA_DIR to a "
                        + "folder of Magnet's own, e.g. /var/lib/magnet.");
            }
            int mode = (Integer) Files.getAttribute(real, "unix:mode");
            if ((mode & 01000) != 0) {
                throw new SandboxException("The data dir " + real + " is a shared temporary folder (sticky bit); set "
                        + "MAGNET_DATA_DIR to a folder of Magnet's own, e.g. /var/lib/magnet.");
            }
            int owner = (Integer) Files.getAttribute(real, "unix:uid");
            int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (owner != self) {
                throw new SandboxException("The data dir " + real + " belongs to uid " + owner + ", not to the account "
                        + "Magnet runs as (uid " + self + "); whoever owns it could change Magnet's database and keys. "
                        + "Run: chown -R " + self + " " + real + ", or pick another MAGNET_DATA_DIR.");
            }
            Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rwx------"));
            return real;
        } catch (IOException e) {
            throw new SandboxException("Cannot create or protect the data dir " + dataDir + " (MAGNET_DATA_DIR): "
                    + e.getMessage(), e);
        }
    }

    /**
     * Refuses a data dir that a sandbox would see.
     *
     * @param dataDir    the data dir (it exists)
     * @param claudeBin  the Claude Code CLI as configured (links are resolved)
     * @param toolchains the folders of {@code MAGNET_SANDBOX_TOOLCHAINS}
     * @throws SandboxException naming each overlap and what to change
     */
    public static void requireOutsideSandboxes(Path dataDir, Path claudeBin, List<Path> toolchains) {
        Map<Path, String> bound = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path system : BwrapCommand.systemPaths()) {
            realPath(system).ifPresent(real -> bound.put(real, system + " (bound into every sandbox)"));
        }
        realPath(claudeBin).map(Path::getParent).ifPresentOrElse(
                folder -> bound.put(folder, folder + ", the folder of the Claude Code CLI (MAGNET_CLAUDE_BIN)"),
                () -> problems.add("the Claude Code CLI is not at " + claudeBin + " (MAGNET_CLAUDE_BIN)"));
        Map<Path, String> tools = new LinkedHashMap<>();
        for (Path tool : toolchains) {
            realPath(tool).ifPresentOrElse(real -> tools.put(real, tool + (real.equals(tool) ? "" : " (really " + real + ")")
                            + ", a toolchain bound into every sandbox (MAGNET_SANDBOX_TOOLCHAINS)"),
                    () -> problems.add("the toolchain " + tool + " (MAGNET_SANDBOX_TOOLCHAINS) does not exist"));
        }
        bound.putAll(tools);
        Path data = realPath(dataDir).orElseThrow(() -> new SandboxException("The data dir " + dataDir + " does not exist"));
        problems.addAll(overlaps(data, bound, tools.keySet()));
        if (!problems.isEmpty()) {
            throw new SandboxException("Magnet will not start: " + String.join("; ", problems)
                    + ". Set MAGNET_DATA_DIR to a folder no sandbox sees (e.g. /var/lib/magnet), or change "
                    + "MAGNET_SANDBOX_TOOLCHAINS.");
        }
    }

    /**
     * The overlaps of the real data dir with real bound folders: the data dir inside (or equal to) any of them, or
     * a toolchain inside the data dir.
     */
    static List<String> overlaps(Path data, Map<Path, String> bound, Iterable<Path> toolchains) {
        List<String> problems = new ArrayList<>();
        bound.forEach((path, what) -> {
            if (data.startsWith(path)) {
                problems.add("the data dir " + data + " lies inside " + what + ", so every agent could read it");
            }
        });
        for (Path tool : toolchains) {
            if (!tool.equals(data) && tool.startsWith(data)) {
                problems.add(bound.get(tool) + ", lies inside the data dir " + data
                        + ", so every agent could read that part of it");
            }
        }
        return problems;
    }

    private static Optional<Path> realPath(Path p) {
        try {
            return Optional.of(p.toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
