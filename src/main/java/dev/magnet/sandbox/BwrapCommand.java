package dev.magnet.sandbox;

import dev.magnet.gateway.Gateway;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The argv that starts one command in a session's bubblewrap sandbox (sandbox-research.md §5.1).
 *
 * <p>When the server is root, bwrap itself runs as root so that it can bind folders the sandbox account
 * could not even traverse (the data dir often lives under a 0700 home); it unshares every namespace but the
 * user one, keeps only the three capabilities {@code setpriv} needs, and {@code setpriv} then switches to
 * the unprivileged account with an empty bounding set and no_new_privs before a second, unprivileged bwrap
 * adds the user namespace and disables nested ones. When the server is not root, one unprivileged bwrap does
 * it all. Either way the agent runs as an unprivileged host uid without capabilities.
 *
 * <p>A setup script runs as root <em>inside</em> the sandbox ({@link Identity#ROOT}): the user namespace maps uid 0
 * to the same unprivileged host account, and the process keeps a few capabilities that count in that namespace
 * only (on files its account owns: chown, overriding permission bits), so {@code apt-get} and {@code pip} can write
 * the session's own layer of the image. Files of the host stay out of reach: their owners are not mapped.
 */
final class BwrapCommand {
    static final Path WORKSPACE = Path.of("/workspace");
    static final Path HOME = Path.of("/home/agent");
    static final Path TMP = Path.of("/tmp");
    static final Path CLAUDE = Path.of("/opt/claude/bin/claude");
    static final Path RUN = Path.of("/run/magnet");
    static final int MODEL_PORT = 18095;
    static final int PROXY_PORT = 3128;
    /** The fd the launcher opens the seccomp program on; the bwrap that makes the user namespace reads and closes it. */
    static final int SECCOMP_FD = 3;
    /**
     * What root inside the sandbox keeps (Docker's default set without mknod, raw sockets and audit): capabilities of
     * the sandbox's own user namespace, worth nothing on an object whose owner that namespace does not map.
     */
    static final List<String> ROOT_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_SETFCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT");

    /** Who a process is inside the sandbox; outside it is always the sandbox's unprivileged account. */
    enum Identity {
        /** The sandbox account's own uid, without capabilities: the agent and Magnet's helpers. */
        AGENT,
        /** uid 0 of the sandbox's user namespace, with {@link #ROOT_CAPABILITIES} there: setup scripts. */
        ROOT
    }

    /** Read-only host files and folders the agent's tools need, when present (links into /etc/alternatives, TLS roots, ld.so). */
    static final List<String> HOST_ETC = List.of("/etc/alternatives", "/etc/ssl", "/etc/ca-certificates",
            "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/nsswitch.conf", "/etc/localtime",
            "/etc/protocols", "/etc/services", "/etc/mime.types", "/etc/gitattributes");

    /**
     * Starts the gateway bridges (TCP on the sandbox's own loopback to the unix sockets bound in), waits until
     * both listen (read from /proc/net/tcp, without connecting), then becomes the command. why: the check is shell
     * builtins only and runs at once, pausing only after a while: a process started here (grep, sleep) costs
     * milliseconds of every sandbox process's start, and socat listens within a few.
     */
    private static final String BRIDGE = String.join("\n",
            "socat TCP-LISTEN:" + MODEL_PORT + ",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:" + RUN.resolve(Gateway.MODEL_SOCKET) + " &",
            "socat TCP-LISTEN:" + PROXY_PORT + ",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:" + RUN.resolve(Gateway.PROXY_SOCKET) + " &",
            "listening() {",
            "  model=0; proxy=0",
            "  while read -r line; do",
            "    case $line in",
            "      *':" + hex(MODEL_PORT) + " 00000000:0000 0A '*) model=1 ;;",
            "      *':" + hex(PROXY_PORT) + " 00000000:0000 0A '*) proxy=1 ;;",
            "    esac",
            "  done < /proc/net/tcp",
            "  [ $model$proxy = 11 ]",
            "}",
            "n=0",
            "until listening; do",
            "  n=$((n+1)); if [ $n -gt 1200 ]; then echo 'magnet: the gateway bridge did not start' >&2; exit 125; fi",
            "  if [ $n -gt 200 ]; then sleep 0.01; fi",
            "done",
            "exec \"$@\"");

    private final SandboxUser user;
    private final Path claudeBinary;
    private final List<Path> toolchains;

    BwrapCommand(SandboxUser user, Path claudeBinary, List<Path> toolchains) {
        this.user = user;
        this.claudeBinary = claudeBinary;
        this.toolchains = List.copyOf(toolchains);
    }

    /**
     * The bwrap argv (from {@code bwrap} to the command) for {@code command} with exactly {@code environment}. The
     * caller must open the seccomp program on fd {@link #SECCOMP_FD}.
     */
    List<String> argv(SandboxSpec spec, Path modelSocket, Path proxySocket, List<String> command, Map<String, String> environment) {
        return argv(spec, modelSocket, proxySocket, command, environment, true, Identity.AGENT, null);
    }

    /** As {@link #argv}, with the process as {@code identity} inside the sandbox. */
    List<String> argv(SandboxSpec spec, Path modelSocket, Path proxySocket, List<String> command, Map<String, String> environment,
                      Identity identity) {
        return argv(spec, modelSocket, proxySocket, command, environment, true, identity, null);
    }

    /**
     * As {@link #argv}, for a service whose {@code port} the host reaches through a socket in {@code previewFolder} (bound
     * into this sandbox only, see {@link PreviewPort}).
     */
    List<String> serviceArgv(SandboxSpec spec, Path modelSocket, Path proxySocket, List<String> command,
                             Map<String, String> environment, int port, Path previewFolder) {
        return argv(spec, modelSocket, proxySocket, PreviewPort.wrap(port, PreviewPort.SHARED_INSIDE, command), environment, true,
                Identity.AGENT, previewFolder);
    }

    /**
     * The bwrap argv for a helper {@code command}: the same sandbox, but with no gateway socket bound in and no bridge
     * started, so the helper has no network at all.
     */
    List<String> helperArgv(SandboxSpec spec, List<String> command, Map<String, String> environment) {
        return argv(spec, null, null, command, environment, false, Identity.AGENT, null);
    }

    private List<String> argv(SandboxSpec spec, Path modelSocket, Path proxySocket, List<String> command,
                              Map<String, String> environment, boolean gateway, Identity identity, Path previewFolder) {
        List<String> a = new ArrayList<>();
        a.add("bwrap");
        if (user.dropsRoot()) {
            a.addAll(List.of("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"));
        } else {
            a.addAll(List.of("--unshare-all", "--unshare-user", "--disable-userns"));
        }
        a.addAll(List.of("--die-with-parent", "--new-session", "--cap-drop", "ALL"));
        if (!user.dropsRoot() && identity == Identity.ROOT) {
            a.addAll(insideIdentity(identity)); // why: after --cap-drop ALL, which would undo its --cap-add
        }
        if (user.dropsRoot()) {
            // why: setpriv needs these to switch to the sandbox account; it drops them and the bounding set at once
            a.addAll(List.of("--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"));
        }
        a.addAll(List.of("--hostname", "sandbox"));
        if (spec.layered()) {
            // why: the session's own layer over its image, mounted by the server; what the sandbox writes there
            // stays in the layer's upper folder, and the image below is never written
            a.addAll(List.of("--bind", SessionLayer.root(spec.root().layer()).toString(), "/"));
        }
        // why: folders bwrap makes implicitly are 0700 root, which the sandbox account could not enter
        for (String dir : List.of("/etc", "/opt", "/opt/claude", "/opt/claude/bin", "/home", "/run", RUN.toString())) {
            a.addAll(List.of("--perms", "0755", "--dir", dir));
        }
        if (!spec.layered()) {
            a.addAll(List.of("--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
                    "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin"));
            for (String etc : HOST_ETC) {
                a.addAll(List.of("--ro-bind-try", etc, etc));
            }
        }
        for (String generated : List.of("passwd", "group", "hosts")) {
            a.addAll(List.of("--ro-bind", spec.run().resolve(generated).toString(), "/etc/" + generated));
        }
        for (Path tool : toolchains) {
            a.addAll(List.of("--ro-bind", tool.toString(), tool.toString()));
        }
        a.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        a.addAll(List.of("--bind", spec.tmp().toString(), TMP.toString()));
        if (!spec.layered()) {
            a.addAll(List.of("--bind", spec.home().toString(), HOME.toString())); // why: with an image, home is in the layer
        }
        a.addAll(List.of("--bind", spec.workspace().toString(), WORKSPACE.toString()));
        a.addAll(List.of("--ro-bind", claudeBinary.toString(), CLAUDE.toString()));
        if (spec.root().cachedWorkspace() != null) {
            a.addAll(List.of("--ro-bind", spec.root().cachedWorkspace().toString(), SandboxSpec.RootFs.CACHED_WORKSPACE.toString()));
        }
        if (gateway) {
            a.addAll(List.of("--bind", modelSocket.toString(), RUN.resolve(Gateway.MODEL_SOCKET).toString()));
            a.addAll(List.of("--bind", proxySocket.toString(), RUN.resolve(Gateway.PROXY_SOCKET).toString()));
        }
        if (previewFolder != null) {
            a.addAll(List.of("--bind", previewFolder.toString(), PreviewPort.SHARED_INSIDE.toString()));
        }
        a.addAll(List.of("--chdir", WORKSPACE.toString(), "--clearenv"));
        environment.forEach((k, v) -> a.addAll(List.of("--setenv", k, v)));
        // why: the filter forbids new namespaces, so only the bwrap that makes the user namespace may load it: the
        // inner one when root (the outer one would stop it), else the only one; bwrap closes the fd after reading
        List<String> seccomp = List.of("--seccomp", Integer.toString(SECCOMP_FD));
        if (user.dropsRoot()) {
            // why: --dev-bind, because a plain --bind remounts everything nodev and /dev/null would stop working
            a.addAll(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", "bwrap", "--unshare-user"));
            a.addAll(insideIdentity(identity));
            a.addAll(List.of("--disable-userns", "--die-with-parent"));
            a.addAll(seccomp);
            a.addAll(List.of("--dev-bind", "/", "/", "--chdir", WORKSPACE.toString(), "--"));
        } else {
            a.addAll(seccomp);
        }
        if (gateway) {
            a.addAll(List.of("bash", "-c", BRIDGE, "magnet-bridge"));
        }
        a.addAll(command);
        return a;
    }

    /**
     * The inner bwrap's {@code --uid}/{@code --gid} and, for root, the capabilities it keeps in its user namespace.
     * why: a new user namespace starts with every capability of its own, whatever the bounding set outside; bwrap
     * (unprivileged here) drops them all unless asked to keep some with --cap-add, which then apply in that namespace only
     */
    private List<String> insideIdentity(Identity identity) {
        List<String> a = new ArrayList<>();
        if (identity == Identity.ROOT) {
            a.addAll(List.of("--uid", "0", "--gid", "0"));
            for (String cap : ROOT_CAPABILITIES) {
                a.addAll(List.of("--cap-add", cap));
            }
        } else {
            a.addAll(List.of("--uid", Integer.toString(user.uid()), "--gid", Integer.toString(user.gid())));
        }
        return a;
    }

    /**
     * The host folders every sandbox sees read-only, whatever the session: {@code /usr} and the {@code /etc}
     * entries. The data dir must lie under none of them (see {@link DataDir}).
     */
    static List<Path> systemPaths() {
        List<Path> paths = new ArrayList<>(List.of(Path.of("/usr")));
        HOST_ETC.forEach(etc -> paths.add(Path.of(etc)));
        return List.copyOf(paths);
    }

    /** The files the run folder must hold before bwrap starts: the sandbox's own passwd, group and hosts. */
    static Map<String, String> generatedFiles(SandboxUser user) {
        return generatedFiles(user, "", "");
    }

    /**
     * As {@link #generatedFiles(SandboxUser)}, keeping an image's own accounts and groups (from the image as built, never
     * from a session's layer) except any that would take the agent's name or ids.
     */
    static Map<String, String> generatedFiles(SandboxUser user, String imagePasswd, String imageGroup) {
        String agent = "agent:x:" + user.uid() + ":" + user.gid() + ":Magnet agent:" + HOME + ":/bin/bash\n";
        String agentGroup = "agent:x:" + user.gid() + ":\n";
        if (imagePasswd.isBlank()) {
            return Map.of(
                    "passwd", "root:x:0:0:root:/root:/usr/sbin/nologin\n" + agent
                            + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
                    "group", "root:x:0:\n" + agentGroup + "nogroup:x:65534:\n",
                    "hosts", "127.0.0.1 localhost sandbox\n::1 localhost\n");
        }
        return Map.of(
                "passwd", keep(imagePasswd, "agent", user.uid()) + agent,
                "group", keep(imageGroup, "agent", user.gid()) + agentGroup,
                "hosts", "127.0.0.1 localhost sandbox\n::1 localhost\n");
    }

    /** The lines of a passwd or group file whose name is not {@code name} and whose id is not {@code id}. */
    private static String keep(String file, String name, int id) {
        StringBuilder out = new StringBuilder();
        for (String line : file.split("\n")) {
            String[] f = line.split(":", -1);
            if (f.length >= 3 && !f[0].equals(name) && !f[2].equals(Integer.toString(id)) && !line.contains("\0")) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    private static String hex(int port) {
        return String.format(Locale.ROOT, "%04X", port);
    }
}
