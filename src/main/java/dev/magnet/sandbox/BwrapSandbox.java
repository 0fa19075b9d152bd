package dev.magnet.sandbox;

import dev.magnet.gateway.EgressPolicy;
import dev.magnet.gateway.Gateway;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * One session's bubblewrap sandbox (built by {@link BwrapSandboxProvider}). Every process starts through a
 * small launcher that joins the session's cgroup (or sets rlimits), limits the size of any one file to the disk
 * limit, opens the seccomp program for bwrap and then becomes bwrap; the agent sees {@code /workspace},
 * {@code /home/agent}, a private {@code /tmp}, read-only system folders and the model relay and egress proxy on
 * its own loopback. While anything runs, a {@link DiskWatchdog} measures the session's folders; past the disk
 * limit it kills everything and the sandbox records it ({@link #diskLimitExceeded()}). Closing kills the whole
 * tree: bwrap's process (its namespace dies with it), every descendant, then whatever is left in the cgroup.
 */
final class BwrapSandbox implements Sandbox {
    /**
     * Runs as the server's account before bwrap: joins the cgroups, applies the rlimit fallback, caps the size of
     * any one file ({@code ulimit -f} counts 512-byte blocks in dash and in bash as sh), opens the seccomp
     * program for bwrap, then execs. Paths and numbers come in the environment, never spliced into the script.
     */
    private static final String LAUNCHER = String.join("\n",
            "for f in $MAGNET_CGROUP_PROCS; do echo $$ > \"$f\" || exit 124; done",
            "if [ -n \"$MAGNET_NPROC\" ]; then ulimit -u \"$MAGNET_NPROC\" || exit 124; fi",
            "ulimit -f \"$MAGNET_FILE_BLOCKS\" || exit 124",
            "exec " + BwrapCommand.SECCOMP_FD + "< \"$MAGNET_SECCOMP\" || exit 124",
            "exec \"$@\"");

    private volatile SandboxSpec spec;
    private final SandboxUser user;
    private final ResourceLimits limits;
    private final Cgroups cgroups;
    private final Cgroups.Group group;
    private final Gateway.SessionGateway sockets;
    private final BwrapCommand command;
    private final EgressPolicy egress;
    private final Path seccompProgram;
    private final PreviewPort previewPort;
    private final DiskWatchdog disk;
    private volatile SessionLayer layer;
    private final Path imageRootfs;
    private final List<LocalProcess> processes = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile DiskLimitExceeded diskLimitExceeded;

    BwrapSandbox(SandboxSpec spec, SandboxUser user, ResourceLimits limits, Cgroups cgroups, Cgroups.Group group,
                 Gateway.SessionGateway sockets, BwrapCommand command, EgressPolicy egress, Path seccompProgram,
                 Duration diskCheckEvery, SessionLayer layer, Path imageRootfs, PreviewPort previewPort) {
        this.previewPort = previewPort;
        this.layer = layer;
        this.imageRootfs = imageRootfs;
        this.spec = spec;
        this.user = user;
        this.limits = limits;
        this.cgroups = cgroups;
        this.group = group;
        this.sockets = sockets;
        this.command = command;
        this.egress = egress;
        this.seccompProgram = seccompProgram;
        List<Path> measured = new ArrayList<>(List.of(spec.workspace(), spec.home(), spec.tmp()));
        if (spec.layered()) {
            measured.add(SessionLayer.upper(spec.root().layer()));
        }
        this.disk = new DiskWatchdog(spec.sessionId(), measured,
                limits.diskBytes(), limits.maxFiles(), diskCheckEvery,
                () -> processes.stream().anyMatch(LocalProcess::isAlive), this::stopAtDiskLimit);
    }

    @Override
    public SandboxProcess start(List<String> argv, Map<String, String> environment) {
        return launch(command.argv(spec, sockets.modelSocket(), sockets.proxySocket(), argv, environment));
    }

    @Override
    public SandboxProcess startAsRoot(List<String> argv, Map<String, String> environment) {
        return launch(command.argv(spec, sockets.modelSocket(), sockets.proxySocket(), argv, environment,
                BwrapCommand.Identity.ROOT));
    }

    @Override
    public SandboxProcess startService(List<String> argv, Map<String, String> environment, Integer port) {
        if (port == null) {
            return start(argv, environment);
        }
        return launch(command.serviceArgv(spec, sockets.modelSocket(), sockets.proxySocket(), argv, environment, port,
                previewPort.shared()));
    }

    @Override
    public Optional<Path> servicePort(boolean refresh) {
        return previewPort.socket(refresh);
    }

    @Override
    public SandboxProcess exec(List<String> argv, Map<String, String> environment) {
        return launch(command.helperArgv(spec, argv, environment));
    }

    private SandboxProcess launch(List<String> bwrap) {
        if (closed) {
            throw new SandboxException("the sandbox of session " + spec.sessionId() + " is closed");
        }
        if (spec.layered() && layer == null) {
            throw new SandboxException("the layer of session " + spec.sessionId() + " is not mounted");
        }
        if (diskLimitExceeded != null) {
            throw new SandboxException(diskLimitExceeded.message());
        }
        List<String> launcher = new ArrayList<>(List.of("/bin/sh", "-c", LAUNCHER, "magnet-launch"));
        launcher.addAll(bwrap);
        ProcessBuilder pb = new ProcessBuilder(launcher).directory(spec.run().toFile());
        HostEnvironment.clean(pb.environment()); // why: the server's environment holds the real model key
        pb.environment().put("MAGNET_CGROUP_PROCS", group.procsFiles().stream().map(Path::toString).collect(Collectors.joining(" ")));
        if (cgroups.kind() == Cgroups.Kind.NONE) {
            pb.environment().put("MAGNET_NPROC", Integer.toString(limits.maxProcesses()));
        }
        pb.environment().put("MAGNET_FILE_BLOCKS", Long.toString((limits.diskBytes() + 511) / 512));
        pb.environment().put("MAGNET_SECCOMP", seccompProgram.toString());
        try {
            LocalProcess p = new LocalProcess(pb.start());
            processes.add(p);
            disk.start();
            return p;
        } catch (IOException e) {
            throw new SandboxException("cannot start bwrap: " + e.getMessage(), e);
        }
    }

    @Override
    public SandboxSpec spec() {
        return spec;
    }

    @Override
    public synchronized void unmountLayer() {
        killAll();
        SessionLayer l = layer;
        layer = null;
        if (l != null) {
            l.close();
        }
    }

    @Override
    public synchronized void mountLayer(List<Path> snapshots, Path cachedWorkspace) {
        if (!spec.layered()) {
            return;
        }
        unmountLayer();
        SandboxSpec.RootFs root = new SandboxSpec.RootFs(spec.root().image(), spec.root().layer(), snapshots, cachedWorkspace);
        spec = new SandboxSpec(spec.sessionId(), spec.workspace(), spec.home(), spec.tmp(), spec.run(), root);
        List<Path> lowers = new ArrayList<>(snapshots);
        lowers.add(imageRootfs);
        layer = SessionLayer.mount(root.layer(), lowers, user);
    }

    @Override
    public AgentView view() {
        return new AgentView(BwrapCommand.WORKSPACE, BwrapCommand.HOME, BwrapCommand.TMP, BwrapCommand.CLAUDE,
                "http://127.0.0.1:" + BwrapCommand.MODEL_PORT, "http://127.0.0.1:" + BwrapCommand.PROXY_PORT);
    }

    @Override
    public void stopProcesses() {
        killAll();
    }

    @Override
    public long memoryKills() {
        return group.oomKills();
    }

    @Override
    public long processLimitHits() {
        return group.processLimitHits();
    }

    @Override
    public Optional<DiskLimitExceeded> diskLimitExceeded() {
        return Optional.ofNullable(diskLimitExceeded);
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("provider", "bwrap");
        d.put("user", user.name());
        d.put("image", spec.root().image());
        d.put("uid", user.uid());
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("memoryMiB", limits.memoryMiB());
        l.put("maxProcesses", limits.maxProcesses());
        l.put("cpus", limits.cpus());
        l.put("diskMiB", limits.diskMiB());
        l.put("maxFiles", limits.maxFiles());
        l.put("enforcedBy", cgroups.describe());
        d.put("limits", l);
        d.put("seccomp", "denies io_uring, userfaultfd, keys, perf events, bpf, ptrace attach, mounts, new namespaces, "
                + "modules and kexec; kills calls of other ABIs");
        d.put("network", "none; model relay and egress proxy through unix sockets");
        d.put("egressAllowed", new TreeSet<>(egress.describe()));
        return d;
    }

    @Override
    public void close() {
        closed = true;
        disk.close();
        killAll();
        group.close();
        sockets.close();
        previewPort.close();
        SessionLayer l = layer;
        layer = null;
        if (l != null) {
            l.close();
        }
    }

    /** Records the breach first (the agent's death is read against it), then kills everything inside. */
    private void stopAtDiskLimit(DiskLimitExceeded exceeded) {
        diskLimitExceeded = exceeded;
        killAll();
    }

    private void killAll() {
        // why: the disk watchdog kills from its own thread; a process started meanwhile must stay on the list
        List<LocalProcess> victims = List.copyOf(processes);
        victims.forEach(LocalProcess::killTree);
        for (LocalProcess p : victims) {
            try {
                p.waitFor(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.removeAll(victims);
        // why: a fork bomb refills the freed slots while its members are killed one by one (cgroup v1 has no
        // cgroup.kill), so kill until nothing is left, within bounds
        for (int round = 0; round < 50 && !group.isEmpty(); round++) {
            group.killAll();
            if (!group.isEmpty()) {
                sleep(20);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
