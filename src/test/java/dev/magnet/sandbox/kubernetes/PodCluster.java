package dev.magnet.sandbox.kubernetes;

import dev.magnet.gateway.EgressLog;
import dev.magnet.gateway.EgressPolicy;
import dev.magnet.gateway.Gateway;
import dev.magnet.gateway.ModelRelay;
import dev.magnet.gateway.Spending;
import dev.magnet.net.AddressPolicy;
import dev.magnet.sandbox.ResourceLimits;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A cluster for tests: fabric8's mock API server in CRUD mode, and a fake kubelet that, when {@link #runShims} is on, marks
 * each new session pod running and starts its shim ({@link PodShim}) as a child JVM on this machine with the environment
 * the pod spec gives it, its workspace a local folder of its volume claim's name and its loopback ports free ones. Pod statuses can also be set by
 * hand ({@link #setStatus}). The gateway is real: a model relay in front of {@code modelUpstream} and a pod gateway on
 * loopback.
 */
public final class PodCluster implements AutoCloseable {
    public static final String NAMESPACE = "magnet-test";
    public static final String AGENT_IMAGE = "registry.example.com/magnet-agent:test";

    public final KubernetesMockServer server;
    public final KubernetesClient client;
    /** The fake kubelet's and scheduler's own client, as in a cluster. */
    private final KubernetesClient kubeletClient;
    public final ModelRelay relay;
    public final Gateway gateway;
    public final PodGateway pods;
    /** The key all servers of this cluster sign pod tokens with. */
    public final PodTokens tokens;
    public final Path dir;
    private final List<PodGateway> extraGateways = new ArrayList<>();
    private volatile String podGateway;
    private volatile List<String> shimJvmArguments = List.of();
    /** When set, shims run in a bubblewrap mount namespace with the pod's paths ({@link #runShimsWithPodPaths}). */
    private volatile Path podTools;
    private volatile List<Path> podReadable = List.of();
    private final boolean runShims;
    private final Map<String, Shim> shims = new ConcurrentHashMap<>();
    private final List<KubernetesSandboxProvider> providers = new ArrayList<>();
    private final Watch kubelet;

    /** A shim running for a pod: its process and the local ports standing for the pod's loopback ones. */
    public record Shim(Process process, Path workdir, int modelPort, int proxyPort) {
    }

    public PodCluster(String modelUpstream, boolean runShims) throws IOException {
        this.runShims = runShims;
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        // why: this machine is shared and loaded; the mock's answers can take seconds
        client = server.createClient(b -> b.editOrNewConfig().withRequestTimeout(60_000).withConnectionTimeout(30_000).endConfig());
        kubeletClient = server.createClient(b -> b.editOrNewConfig().withRequestTimeout(60_000).withConnectionTimeout(30_000).endConfig());
        relay = ModelRelay.start("sk-ant-" + "pod-test", modelUpstream, 256 * 1024, Spending.UNLIMITED);
        gateway = new Gateway(relay, EgressPolicy.denyAll(), AddressPolicy.of(List.of()), EgressLog.NONE, 8);
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        tokens = new PodTokens(key);
        pods = PodGateway.start(InetAddress.getLoopbackAddress(), 0, tokens);
        podGateway = "127.0.0.1:" + pods.port();
        // why: unix socket paths are limited to 107 bytes, so not under the (long) JUnit temporary folder
        dir = Files.createTempDirectory(Path.of("/tmp"), "pods");
        kubelet = kubeletClient.pods().inNamespace(NAMESPACE).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Pod pod) {
                if (action == Action.ADDED) {
                    started(pod);
                } else if (action == Action.DELETED) {
                    Shim shim = shims.remove(pod.getMetadata().getName());
                    if (shim != null) {
                        shim.process().destroyForcibly();
                        try {
                            // why: the next pod's shim takes the same loopback ports when it runs with the pod's paths
                            shim.process().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (Exception e) {
                            // gone or going
                        }
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    public KubernetesSettings settings() {
        return new Settings(podGateway).value();
    }

    /**
     * From now on pods dial {@code address} ({@code host:port}), and their shims run with these extra JVM arguments (for
     * example {@code -Djdk.net.hosts.file=…}, so that a name stands for several servers as a headless Service does).
     */
    public void podsDial(String address, List<String> jvmArguments) {
        podGateway = address;
        shimJvmArguments = List.copyOf(jvmArguments);
    }

    /**
     * From now on each shim runs as a pod's would see it: in a bubblewrap mount and pid namespace (this machine's
     * network) with the pod's {@code /workspace} and {@code /home/agent} (folders of its volume claim), its loopback ports
     * 18095 and 3128, and {@code /opt/magnet/bin/claude} the CLI at {@code claudeBin}; the pod's whole process tree dies
     * with the shim, as with a deleted pod. So the runner's real agent runs in it unchanged.
     */
    public void runShimsWithPodPaths(Path claudeBin) throws IOException {
        Path tools = Files.createDirectories(dir.resolve("opt-magnet").resolve("bin"));
        Files.createSymbolicLink(tools.resolve("claude"), claudeBin.toAbsolutePath());
        // why: the shim's classes and the CLI's package are read where they lie (the checkout, wherever CI put it)
        Path checkout = Path.of("").toAbsolutePath();
        Path cli = claudeBin.toRealPath();
        podReadable = cli.startsWith(checkout) ? List.of(checkout) : List.of(checkout, cli.getParent().getParent());
        podTools = tools.getParent();
    }

    /** Another server's pod gateway on this cluster, closed with it. */
    public PodGateway gatewayAt(InetAddress bind, int port) {
        PodGateway g = PodGateway.start(bind, port, tokens);
        extraGateways.add(g);
        return g;
    }

    /** The settings of the test cluster, with the address pods dial for the gateway. */
    public record Settings(String podGateway) {
        public Settings() {
            this("magnet-gateway.magnet.svc:7072");
        }

        public KubernetesSettings value() {
            return new KubernetesSettings(NAMESPACE, AGENT_IMAGE, "docker.io/library/debian:bookworm-slim",
                    List.of("registry.example.com/team/python:3.13"), podGateway, Duration.ofSeconds(60), "fast-ssd", 5120);
        }
    }

    public static ResourceLimits limits() {
        return new ResourceLimits(2048L * 1024 * 1024, 512, 1.5, 4096L * 1024 * 1024, 100_000);
    }

    /** A provider as a server makes it, on this cluster; closed with the cluster. */
    public KubernetesSandboxProvider provider() {
        return provider(pods, dir);
    }

    /** A provider of a server whose pod gateway is {@code at}, its gateway sockets in {@code socketDir}; closed with the cluster. */
    public KubernetesSandboxProvider provider(PodGateway at, Path socketDir) {
        KubernetesSandboxProvider p = new KubernetesSandboxProvider(client, settings(), limits(), gateway, at, tokens, socketDir);
        providers.add(p);
        return p;
    }

    private void started(Pod pod) {
        if (!runShims) {
            return;
        }
        try {
            // the session's volume is a folder named after its claim: a later pod of the session finds it as it was
            String claim = pod.getSpec().getVolumes().stream().filter(v -> v.getPersistentVolumeClaim() != null)
                    .map(v -> v.getPersistentVolumeClaim().getClaimName()).findFirst().orElse(pod.getMetadata().getName());
            Path workdir = Files.createDirectories(dir.resolve(claim).resolve("workspace"));
            Path home = Files.createDirectories(dir.resolve(claim).resolve("home"));
            Path tools = podTools;
            int modelPort = tools == null ? freePort() : PodSpecs.MODEL_PORT;
            int proxyPort = tools == null ? freePort() : PodSpecs.PROXY_PORT;
            List<String> command = new ArrayList<>();
            if (tools != null) {
                command.addAll(List.of("bwrap", "--die-with-parent", "--unshare-pid", "--ro-bind", "/usr", "/usr",
                        "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin", "--symlink", "usr/lib", "/lib",
                        "--symlink", "usr/lib64", "/lib64", "--ro-bind", "/etc", "/etc"));
                for (Path readable : podReadable) {
                    command.addAll(List.of("--ro-bind", readable.toString(), readable.toString()));
                }
                command.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind", dir.toString(), dir.toString(),
                        "--bind", workdir.toString(), PodSpecs.WORKSPACE, "--bind", home.toString(), PodSpecs.HOME,
                        "--ro-bind", tools.toString(), PodSpecs.TOOLS, "--chdir", PodSpecs.WORKSPACE));
                workdir = Path.of(PodSpecs.WORKSPACE);
            }
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC", "-Xmx48m"));
            command.addAll(shimJvmArguments);
            command.addAll(List.of("-cp", Path.of("target/classes").toAbsolutePath().toString(), PodShim.class.getName()));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().clear();
            for (EnvVar e : pod.getSpec().getContainers().getFirst().getEnv()) {
                pb.environment().put(e.getName(), e.getValue());
            }
            // the init container's work: the token into a file of the shim's only
            Path tokenFile = dir.resolve(pod.getMetadata().getName() + ".token");
            Files.writeString(tokenFile, pod.getSpec().getInitContainers().getFirst().getEnv().stream()
                    .filter(e -> e.getName().equals("SHIM_TOKEN")).findFirst().orElseThrow().getValue());
            pb.environment().put("SHIM_TOKEN_FILE", tokenFile.toString());
            pb.environment().put("PATH", "/usr/local/bin:/usr/bin:/bin");
            pb.environment().put("SHIM_WORKDIR", workdir.toString());
            pb.environment().put("SHIM_MODEL_PORT", Integer.toString(modelPort));
            pb.environment().put("SHIM_PROXY_PORT", Integer.toString(proxyPort));
            pb.redirectErrorStream(true).redirectOutput(dir.resolve(pod.getMetadata().getName() + ".log").toFile());
            shims.put(pod.getMetadata().getName(), new Shim(pb.start(), workdir, modelPort, proxyPort));
            setStatus(pod.getMetadata().getName(), s -> running());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The shim of the pod named so, when the fake kubelet runs one. */
    public Shim shim(String podName) {
        return shims.get(podName);
    }

    /** Sets the status of a pod as the kubelet or the scheduler would. */
    public void setStatus(String podName, UnaryOperator<PodStatus> change) {
        Pod pod = kubeletClient.pods().inNamespace(NAMESPACE).withName(podName).get();
        pod.setStatus(change.apply(pod.getStatus() == null ? new PodStatus() : pod.getStatus()));
        kubeletClient.pods().inNamespace(NAMESPACE).resource(pod).updateStatus();
    }

    public static PodStatus running() {
        return new PodStatusBuilder().withPhase("Running")
                .withContainerStatuses(new ContainerStatusBuilder().withName(PodSpecs.AGENT_CONTAINER).withReady(true)
                        .withNewState().withNewRunning().endRunning().endState().build())
                .build();
    }

    public List<Pod> sessionPods() {
        return client.pods().inNamespace(NAMESPACE).withLabels(PodSpecs.sessionSelector()).list().getItems();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        providers.forEach(KubernetesSandboxProvider::close);
        kubelet.close();
        shims.values().forEach(s -> s.process().destroyForcibly());
        pods.close();
        extraGateways.forEach(PodGateway::close);
        relay.close();
        client.close();
        kubeletClient.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            // why: the mock server waits a few seconds for its connections to close and gives up on a loaded machine
            // ("Unable to close MockWebServer"); the test is over and its clients are closed, so the port is let go
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // left in /tmp
        }
    }
}
