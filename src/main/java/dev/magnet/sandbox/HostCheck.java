package dev.magnet.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

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
        checks.add(new Check("resource limits", cgroups.kind() != Cgroups.Kind.NONE, false, cgroups.describe(),
                "run Magnet as root or give it a delegated cgroup v2 subtree (systemd: Delegate=yes) so memory is limited"));
        return checks;
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
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? Optional.of(out.strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static Optional<String> failureOf(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).directory(new java.io.File("/")).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of("timed out");
            }
            return p.exitValue() == 0 ? Optional.empty() : Optional.of(out.isEmpty() ? "exit code " + p.exitValue() : out);
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }
}
