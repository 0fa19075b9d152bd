package dev.magnet.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether this host can run the bubblewrap sandbox safely, and what to install or enable when it cannot.
 * {@code ./magnet doctor} prints it; the server refuses to start the local sandbox unless every required
 * check passes.
 */
public final class HostCheck {

    /** One finding: a required check that failed makes the host unsafe; {@code fix} says what to do. */
    public record Check(String name, boolean ok, boolean required, String detail, String fix) {
        public String line() {
            return (ok ? "ok   " : required ? "FAIL " : "warn ") + name + ": " + detail + (ok || fix == null ? "" : "\n       fix: " + fix);
        }
    }

    private HostCheck() {
    }

    /** Runs every check for a sandbox that would run as {@code sandboxUserName} (when the server is root). */
    public static List<Check> run(String sandboxUserName, Cgroups cgroups) {
        List<Check> checks = new ArrayList<>();
        boolean root = SandboxUser.serverIsRoot();
        Optional<String> bwrap = output("bwrap", "--version");
        checks.add(new Check("bubblewrap", bwrap.isPresent(), true, bwrap.orElse("bwrap is not installed"),
                "apt-get install -y bubblewrap"));
        Optional<String> socat = output("socat", "-V");
        checks.add(new Check("socat", socat.isPresent(), true, socat.isPresent() ? "installed" : "socat is not installed",
                "apt-get install -y socat"));
        // why: the disk watchdog reads st_blocks, inode and link counts through GNU find's -printf (DiskUsage)
        Optional<String> find = output("find", "--version").filter(v -> v.contains("GNU findutils"));
        checks.add(new Check("GNU find", find.isPresent(), true, find.orElse("GNU find is not installed; the sessions' "
                + "disk use could not be measured"), "apt-get install -y findutils"));
        SandboxUser user = null;
        if (root) {
            Optional<String> setpriv = output("setpriv", "--version");
            checks.add(new Check("setpriv", setpriv.isPresent(), true, setpriv.orElse("setpriv is not installed"),
                    "apt-get install -y util-linux"));
            try {
                user = SandboxUser.resolve(sandboxUserName);
                checks.add(new Check("sandbox account", true, true, user.name() + " (uid " + user.uid() + ")", null));
            } catch (SandboxException e) {
                checks.add(new Check("sandbox account", false, true, "'" + sandboxUserName + "' does not exist",
                        "useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "
                                + sandboxUserName));
            }
        } else {
            user = SandboxUser.resolve(sandboxUserName);
            checks.add(new Check("sandbox account", true, true, "the server's own account " + user.name()
                    + " (uid " + user.uid() + ", not root)", null));
        }
        if (bwrap.isPresent() && user != null) {
            List<String> probe = new ArrayList<>();
            if (user.dropsRoot()) {
                probe.addAll(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups", "--"));
            }
            probe.addAll(List.of("bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
                    "--cap-drop", "ALL", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"));
            Optional<String> failure = failureOf(probe);
            checks.add(new Check("user namespaces", failure.isEmpty(), true,
                    failure.map(f -> "an unprivileged bwrap cannot create namespaces: " + f)
                            .orElse("an unprivileged bwrap can unshare every namespace"),
                    "sysctl -w user.max_user_namespaces=10000 (and kernel.unprivileged_userns_clone=1 where it exists; "
                            + "on Ubuntu 24.04+ also kernel.apparmor_restrict_unprivileged_userns=0)"));
        }
        if (bwrap.isPresent() && user != null) {
            checks.add(seccomp(user));
        }
        checks.add(new Check("resource limits", cgroups.kind() != Cgroups.Kind.NONE, false, cgroups.describe(),
                "run Magnet as root or give it a delegated cgroup v2 subtree (systemd: Delegate=yes) so memory is limited"));
        for (Cgroups.Enforcement e : cgroups.probe()) {
            checks.add(new Check(e.limit() + " limit", e.enforced() && e.fix() == null, false,
                    (e.enforced() ? "enforced by " : "NOT enforced: ") + e.detail(), e.fix()));
        }
        return checks;
    }

    /**
     * Whether the data dir is safe: private to Magnet's account and seen by no sandbox. Reads only; the server
     * makes it private itself at start.
     */
    public static Check dataDir(Path dataDir, Path claudeBin, List<Path> toolchains) {
        String fix = "set MAGNET_DATA_DIR to a folder of Magnet's own that no sandbox sees, e.g. /var/lib/magnet";
        if (!Files.isDirectory(dataDir)) {
            return new Check("data dir", true, true, dataDir + " does not exist yet; Magnet creates it with mode 0700", null);
        }
        try {
            DataDir.requireOutsideSandboxes(dataDir, claudeBin, toolchains);
            int mode = (Integer) Files.getAttribute(dataDir, "unix:mode") & 0777;
            return new Check("data dir", true, true, dataDir.toRealPath() + " (mode " + Integer.toOctalString(mode)
                    + (mode == 0700 ? "" : ", made 0700 at start") + "), outside every folder bound into the sandbox", null);
        } catch (SandboxException | IOException e) {
            return new Check("data dir", false, true, e.getMessage(), fix);
        }
    }

    /**
     * Loads Magnet's seccomp filter in an unprivileged bwrap (as the sandbox account when root), the way sessions
     * do, and checks that the kernel reports it and that a call it denies fails: {@code unshare -U}, which without
     * the filter would succeed here.
     */
    private static Check seccomp(SandboxUser user) {
        String name = "seccomp filter";
        Optional<SeccompFilter.Arch> arch = SeccompFilter.Arch.host();
        if (arch.isEmpty()) {
            return new Check(name, false, true, "Magnet has no filter for " + System.getProperty("os.arch"),
                    "run Magnet on x86_64 or aarch64");
        }
        Path program = null;
        try {
            program = Files.createTempFile("magnet-seccomp-probe", ".bpf");
            Files.write(program, SeccompFilter.program(arch.get()));
            List<String> probe = new ArrayList<>(List.of("/bin/sh", "-c", "exec " + BwrapCommand.SECCOMP_FD
                    + "< \"$1\" || exit 124; shift; exec \"$@\"", "magnet-probe", program.toString()));
            if (user.dropsRoot()) {
                probe.addAll(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups", "--"));
            }
            probe.addAll(List.of("bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--cap-drop", "ALL",
                    "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
                    "--seccomp", Integer.toString(BwrapCommand.SECCOMP_FD), "/bin/sh", "-c",
                    "grep '^Seccomp:' /proc/self/status; unshare -U true 2>&1; echo unshare-exit=$?"));
            Probe result = probe(probe);
            boolean loaded = result.output().matches("(?s).*Seccomp:\\s+2.*");
            boolean denied = result.output().contains("Operation not permitted") && !result.output().contains("unshare-exit=0");
            if (loaded && denied) {
                return new Check(name, true, true, "loads (" + arch.get().name().toLowerCase(java.util.Locale.ROOT)
                        + ", " + SeccompFilter.instructions(arch.get()).size() + " instructions); unshare -U is refused", null);
            }
            return new Check(name, false, true, "bwrap --seccomp did not take the filter: " + result.output().strip(),
                    "use bubblewrap 0.3 or newer on a kernel with CONFIG_SECCOMP_FILTER (any distribution kernel has it)");
        } catch (IOException e) {
            return new Check(name, false, true, "cannot write the probe program: " + e.getMessage(), null);
        } finally {
            if (program != null) {
                try {
                    Files.deleteIfExists(program);
                } catch (IOException e) {
                    // a leftover temp file of 1 KiB is harmless
                }
            }
        }
    }

    /** True when every required check passed. */
    public static boolean safe(List<Check> checks) {
        return checks.stream().allMatch(c -> c.ok() || !c.required());
    }

    /**
     * @throws SandboxException naming every failed required check and its fix, when the host is not safe
     */
    public static void requireSafe(List<Check> checks) {
        if (!safe(checks)) {
            StringBuilder m = new StringBuilder("Magnet cannot run the local sandbox safely on this host:");
            checks.stream().filter(c -> !c.ok() && c.required()).forEach(c -> m.append("\n  ").append(c.line()));
            m.append("\nRun ./magnet doctor for the full report (./magnet start installs what it can when run as root).");
            throw new SandboxException(m.toString());
        }
    }

    private static Optional<String> output(String... argv) {
        Probe p = probe(List.of(argv));
        return p.exit() == 0 ? Optional.of(p.output().lines().findFirst().orElse("").strip()) : Optional.empty();
    }

    /** What a probe printed (stdout and stderr) and its exit code (-1 when it did not finish in time). */
    private record Probe(int exit, String output) {
    }

    private static Probe probe(List<String> argv) {
        try {
            HostCommand.Result r = HostCommand.run(argv, Duration.ofSeconds(10));
            return r.finished() ? new Probe(r.exit(), r.output()) : new Probe(-1, r.output() + " (timed out)");
        } catch (IOException e) {
            return new Probe(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Probe(-1, "interrupted");
        }
    }

    private static Optional<String> failureOf(List<String> argv) {
        Probe p = probe(argv);
        String out = p.output().strip();
        return p.exit() == 0 ? Optional.empty() : Optional.of(out.isEmpty() ? "exit code " + p.exit() : out);
    }
}
