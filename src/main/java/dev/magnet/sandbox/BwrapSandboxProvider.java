package dev.magnet.sandbox;

import dev.magnet.gateway.Gateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The default provider: each session gets a bubblewrap sandbox run as an unprivileged account, with its own
 * cgroup limits, its disk bound, the seccomp filter and its gateway sockets. {@link #create} refuses on a host
 * where that cannot be made safe (see {@link HostCheck}).
 */
public final class BwrapSandboxProvider implements SandboxProvider {
    /** The seccomp program's file in the session's run folder. */
    static final String SECCOMP_FILE = "seccomp.bpf";
    private final SandboxUser user;
    private final ResourceLimits limits;
    private final Cgroups cgroups;
    private final Gateway gateway;
    private final BwrapCommand command;
    private final Path socketDir;
    private final byte[] seccompProgram;
    private final Duration diskCheckEvery;
    private final Images images;

    /**
     * @param claudeBin      the Claude Code CLI (links are resolved: the real binary is bound read-only into the sandbox)
     * @param toolchains     extra host folders bound read-only at the same path (e.g. a JDK under /opt)
     * @param diskCheckEvery how often the session's folders are measured while something runs in its sandbox
     * @param images         the machine's sandbox images (used only when the server is root: it mounts the layers)
     * @throws SandboxException when the CLI is missing or the seccomp filter does not know this architecture
     */
    public BwrapSandboxProvider(SandboxUser user, ResourceLimits limits, Cgroups cgroups, Gateway gateway, Path claudeBin,
                                List<Path> toolchains, Duration diskCheckEvery, Images images) {
        this.images = Objects.requireNonNull(images, "images: set MAGNET_IMAGES_DIR");
        this.user = Objects.requireNonNull(user, "user");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.cgroups = Objects.requireNonNull(cgroups, "cgroups");
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.diskCheckEvery = Objects.requireNonNull(diskCheckEvery, "diskCheckEvery: set MAGNET_SANDBOX_DISK_CHECK_SECONDS");
        this.seccompProgram = SeccompFilter.program(SeccompFilter.Arch.host().orElseThrow(() -> new SandboxException(
                "Magnet's seccomp filter knows x86_64 and aarch64, not " + System.getProperty("os.arch")
                        + "; run Magnet on one of those")));
        Path binary;
        try {
            binary = claudeBin.toRealPath();
        } catch (IOException e) {
            throw new SandboxException("the Claude Code CLI is not at " + claudeBin + " (set MAGNET_CLAUDE_BIN): " + e.getMessage(), e);
        }
        this.command = new BwrapCommand(user, binary, toolchains);
        // why: unix socket paths are limited to 107 bytes, and data dirs (test temp dirs too) can be long
        this.socketDir = Path.of("/tmp", "magnet-gateway-" + user.uid());
        try {
            Files.createDirectories(socketDir);
            Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwx--x--x"));
        } catch (IOException e) {
            throw new SandboxException("cannot create the gateway socket folder " + socketDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        Path rootfs = null;
        if (spec.layered()) {
            if (!user.dropsRoot()) {
                throw new SandboxException("image '" + spec.root().image() + "' needs Magnet to run as root (it mounts each "
                        + "session's layer over the image); without root only image 'host' is available");
            }
            rootfs = images.forSandbox(spec.root().image(), user);
        }
        try {
            Files.createDirectories(spec.run());
            Map<String, String> generated = rootfs == null ? BwrapCommand.generatedFiles(user)
                    : BwrapCommand.generatedFiles(user, imageFile(rootfs, "passwd"), imageFile(rootfs, "group"));
            for (var file : generated.entrySet()) {
                Files.writeString(spec.run().resolve(file.getKey()), file.getValue());
            }
            // why: in the run folder, which only the server writes; the launcher opens it before bwrap starts
            Files.write(spec.run().resolve(SECCOMP_FILE), seccompProgram);
        } catch (IOException e) {
            throw new SandboxException("cannot prepare " + spec.run() + ": " + e.getMessage(), e);
        }
        if (user.dropsRoot()) {
            // why: once per sandbox, while nothing runs in it: the sandbox's account owns these folders for good (the
            // host never works in them), so no hand-over is needed between processes
            Ownership.give(user.uid(), user.gid(), spec.workspace(), spec.home(), spec.tmp());
        }
        SessionLayer layer = null;
        if (rootfs != null) {
            List<Path> lowers = new ArrayList<>(spec.root().snapshots());
            lowers.add(rootfs);
            layer = SessionLayer.mount(spec.root().layer(), lowers, user);
        }
        Cgroups.Group group = cgroups.create(groupName(spec.sessionId()), limits);
        Gateway.SessionGateway sockets;
        try {
            sockets = gateway.open(spec.sessionId(), socketDir, user.dropsRoot() ? user.uid() : -1, user.gid());
        } catch (RuntimeException e) {
            group.close();
            if (layer != null) {
                layer.close();
            }
            throw new SandboxException("cannot open the session's gateway sockets: " + e.getMessage(), e);
        }
        PreviewPort preview = new PreviewPort(socketDir.resolve(spec.sessionId() + "-preview"),
                socketDir.resolve(spec.sessionId() + "-preview.sock"), user.dropsRoot() ? user.uid() : -1, user.gid());
        return new BwrapSandbox(spec, user, limits, cgroups, group, sockets, command, gateway.egress(),
                spec.run().resolve(SECCOMP_FILE), diskCheckEvery, layer, rootfs, preview);
    }

    /** The image's own {@code /etc/<name>} as built (never a session's layer), or "" when it has none. */
    private static String imageFile(Path rootfs, String name) throws IOException {
        Path file = rootfs.resolve("etc").resolve(name);
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.size(file) > 1 << 20) {
            return "";
        }
        return Files.readString(file, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The images sessions may name: {@link Images#HOST}, and the machine's images when the server is root. */
    @Override
    public Set<String> images() {
        return user.dropsRoot() ? images.names() : Set.of(Images.HOST);
    }

    @Override
    public String imageVersion(String image) {
        return images.version(image);
    }

    /** Unmounts the session layers a server that died left mounted under {@code sessions}. */
    public void unmountLeftoverLayers(Path sessions, Predicate<String> inUse) {
        if (user.dropsRoot()) {
            SessionLayer.unmountAllUnder(sessions, inUse);
        }
    }

    /** Kills every process left in the session's cgroup (its sandboxes' processes are all there) and removes it. */
    @Override
    public void discardLeftovers(String sessionId) {
        cgroups.discard(groupName(sessionId));
    }

    private static String groupName(String sessionId) {
        return "session-" + sessionId;
    }

    @Override
    public String name() {
        return "bwrap";
    }

    public ResourceLimits limits() {
        return limits;
    }

    public SandboxUser user() {
        return user;
    }

    public Cgroups cgroups() {
        return cgroups;
    }
}
