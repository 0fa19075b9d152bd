package dev.magnet.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The host account the agent runs as. When the server runs as root the sandbox drops to a dedicated
 * unprivileged account (created by {@code ./magnet}); otherwise it runs as the server's own, already
 * unprivileged, account.
 *
 * @param name      the account name, for messages
 * @param uid       the host uid that owns the workspace while the agent runs
 * @param gid       its primary group
 * @param dropsRoot true when the server is root and must switch to this account inside the sandbox
 */
public record SandboxUser(String name, int uid, int gid, boolean dropsRoot) {

    /** The account to use: {@code configuredName} when the server is root, else the server's own. */
    public static SandboxUser resolve(String configuredName) {
        int uid = currentId("Uid:");
        int gid = currentId("Gid:");
        if (uid != 0) {
            return new SandboxUser(System.getProperty("user.name", "uid" + uid), uid, gid, false);
        }
        return lookup(configuredName).orElseThrow(() -> new SandboxException("Magnet runs as root, so the agent must "
                + "run as an unprivileged account, and '" + configuredName + "' does not exist. Create it with: "
                + "useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "
                + configuredName + " (./magnet start does this), or set MAGNET_SANDBOX_USER to another unprivileged account."));
    }

    /** The passwd entry of {@code name}, if the account exists and is not root. */
    static Optional<SandboxUser> lookup(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length >= 4 && f[0].equals(name)) {
                    int uid = Integer.parseInt(f[2]);
                    if (uid == 0) {
                        throw new SandboxException("the sandbox account '" + name + "' is root; pick an unprivileged one");
                    }
                    return Optional.of(new SandboxUser(name, uid, Integer.parseInt(f[3]), true));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /etc/passwd: " + e.getMessage(), e);
        }
    }

    /** True when this process runs as root. */
    public static boolean serverIsRoot() {
        return currentId("Uid:") == 0;
    }

    private static int currentId(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Integer.parseInt(line.substring(field.length()).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status: " + e.getMessage(), e);
        }
        throw new IllegalStateException("/proc/self/status has no " + field + " line");
    }
}
