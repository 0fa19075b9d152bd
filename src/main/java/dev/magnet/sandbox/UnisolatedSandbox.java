package dev.magnet.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * NOT A SANDBOX: a plain child process of the server in the session's workspace with a cleared environment.
 * The agent can read whatever the server's account can read and reach the network. For development on a
 * machine without bubblewrap only ({@code MAGNET_SANDBOX=unisolated}); {@link BwrapSandboxProvider} is the
 * default and the only provider {@code ./magnet start} uses.
 */
public final class UnisolatedSandbox implements Sandbox {
    private final SandboxSpec spec;
    private final AgentView view;
    private final List<LocalProcess> processes = new CopyOnWriteArrayList<>();
    private PreviewPort preview;

    UnisolatedSandbox(SandboxSpec spec, AgentView view) {
        this.spec = spec;
        this.view = view;
    }

    /** The provider of unisolated process "sandboxes", running {@code claudeBin} against the relay at {@code relayUrl}. */
    public static SandboxProvider provider(Path claudeBin, String relayUrl) {
        return new SandboxProvider() {
            @Override
            public Sandbox create(SandboxSpec spec) {
                return new UnisolatedSandbox(spec, new AgentView(spec.workspace(), spec.home(), spec.tmp(), claudeBin,
                        relayUrl, null));
            }

            @Override
            public String name() {
                return "unisolated";
            }
        };
    }

    @Override
    public SandboxProcess start(List<String> command, Map<String, String> environment) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(spec.workspace().toFile());
        pb.environment().clear(); // why: the server's own environment holds the real model key
        pb.environment().putAll(environment);
        try {
            LocalProcess p = new LocalProcess(pb.start());
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new SandboxException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized SandboxProcess startService(List<String> command, Map<String, String> environment, Integer port) {
        if (port == null) {
            return start(command, environment);
        }
        if (preview == null) {
            Path dir = Path.of("/tmp", "magnet-unisolated-" + ProcessHandle.current().pid());
            preview = new PreviewPort(dir.resolve(spec.sessionId() + "-preview"), dir.resolve(spec.sessionId() + "-preview.sock"), -1, -1);
        }
        return start(PreviewPort.wrap(port, preview.shared(), command), environment);
    }

    @Override
    public synchronized Optional<Path> servicePort(boolean refresh) {
        return preview == null ? Optional.empty() : preview.socket(refresh);
    }

    @Override
    public SandboxProcess exec(List<String> command, Map<String, String> environment) {
        return start(command, environment);
    }

    @Override
    public SandboxSpec spec() {
        return spec;
    }

    @Override
    public AgentView view() {
        return view;
    }

    @Override
    public void stopProcesses() {
        processes.forEach(LocalProcess::killTree);
        processes.clear();
    }

    @Override
    public long memoryKills() {
        return 0;
    }

    @Override
    public long processLimitHits() {
        return 0;
    }

    @Override
    public Optional<DiskLimitExceeded> diskLimitExceeded() {
        return Optional.empty();
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("provider", "unisolated");
        d.put("isolation", "none: development only");
        return d;
    }

    @Override
    public synchronized void close() {
        processes.forEach(LocalProcess::killTree);
        processes.clear();
        if (preview != null) {
            preview.close();
        }
    }
}
