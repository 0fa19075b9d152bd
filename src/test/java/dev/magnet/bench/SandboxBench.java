package dev.magnet.bench;

import static dev.magnet.bench.Figures.pct;

import dev.magnet.gateway.Spending;
import dev.magnet.config.SessionLimits;
import dev.magnet.gateway.EgressPolicy;
import dev.magnet.gateway.Gateway;
import dev.magnet.gateway.ModelRelay;
import dev.magnet.sandbox.BwrapSandboxProvider;
import dev.magnet.sandbox.Cgroups;
import dev.magnet.sandbox.ResourceLimits;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxProcess;
import dev.magnet.sandbox.SandboxProvider;
import dev.magnet.sandbox.SandboxSpec;
import dev.magnet.sandbox.SandboxUser;
import dev.magnet.sandbox.UnisolatedSandbox;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code ./magnet bench sandbox}: figures, not tests. The sandbox's share of session start (the agent spawned
 * inside bwrap vs outside), server-side memory per idle session, and how many concurrent scripted sessions
 * this machine sustains before start latency doubles. Options: {@code --runs N} (default 15).
 */
public final class SandboxBench {
    private static final Duration TIMEOUT = Duration.ofSeconds(300);

    public static void main(String[] args) throws Exception {
        int runs = args.length > 1 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 15;
        Path dir = Files.createTempDirectory("magnet-sandbox-bench");
        System.out.println("Magnet sandbox benchmark in " + dir + " (" + Runtime.getRuntime().availableProcessors()
                + " cores, Java " + Runtime.version() + ")");
        spawnCost(dir, runs);
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.empty().withFallback(Turn.reply().text("ok")));
            idleMemory(dir, model);
            concurrency(dir, model);
        }
    }

    /** The agent process started through the sandbox API, to its exit: {@code claude --version} and {@code true}. */
    private static void spawnCost(Path dir, int runs) throws Exception {
        Path claude = TestServer.claudeBin();
        SessionLimits limits = SessionLimits.defaults();
        try (ModelRelay relay = ModelRelay.start("unused", "http://127.0.0.1:9", limits.relayMaxBodyBytes(), Spending.UNLIMITED)) {
            Gateway gateway = new Gateway(relay, EgressPolicy.denyAll(), dev.magnet.net.AddressPolicy.of(java.util.List.of()),
                    dev.magnet.gateway.EgressLog.NONE, limits.gatewayMaxConnections());
            SandboxProvider bwrap = new BwrapSandboxProvider(SandboxUser.resolve("magnet-sandbox"),
                    new ResourceLimits(4L << 30, 1024, 2, 20L << 30, 1_000_000), Cgroups.detect(), gateway, claude, List.of(),
                    Duration.ofSeconds(5), new dev.magnet.sandbox.Images(java.nio.file.Path.of("/var/lib/magnet/images")));
            SandboxProvider plain = UnisolatedSandbox.provider(claude, relay.baseUrl());
            for (String what : List.of("--version", "true")) {
                List<Long> inside = time(bwrap, dir.resolve("b"), what, runs);
                List<Long> outside = time(plain, dir.resolve("u"), what, runs);
                String label = what.equals("true") ? "`true`" : "`claude --version`";
                report("spawn -> exit of " + label + " inside bwrap (launcher, cgroup, chown, socat bridge)", inside);
                report("spawn -> exit of " + label + " outside (plain child process)", outside);
                System.out.printf("  the sandbox adds %.1f ms at p50%n", (pct(inside, 50) - pct(outside, 50)) / 1000.0);
            }
        }
    }

    private static List<Long> time(SandboxProvider provider, Path root, String what, int runs) throws Exception {
        SandboxSpec spec = new SandboxSpec("bench-" + provider.name(), Files.createDirectories(root.resolve("workspace")),
                Files.createDirectories(root.resolve("home")), Files.createDirectories(root.resolve("tmp")), root.resolve("run"));
        List<Long> micros = new ArrayList<>();
        try (Sandbox sandbox = provider.create(spec)) {
            List<String> command = what.equals("true") ? List.of("true") : List.of(sandbox.view().claudeBin().toString(), "--version");
            for (int i = 0; i < runs + 2; i++) {
                long start = System.nanoTime();
                SandboxProcess p = sandbox.start(command, Map.of("PATH", "/usr/bin:/bin", "HOME", sandbox.view().home().toString()));
                p.stdout().readAllBytes();
                p.waitFor(Duration.ofSeconds(30));
                if (i >= 2) {
                    micros.add((System.nanoTime() - start) / 1000);
                }
            }
        }
        return micros;
    }

    private static void idleMemory(Path dir, FakeAnthropic model) throws Exception {
        int n = 30;
        try (TestServer server = TestServer.start(dir.resolve("data-idle"), model, Map.of("MAGNET_MAX_SESSIONS", "4"))) {
            long before = usedHeapAfterGc();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(server.createSession(Map.of("prompt", "idle " + i)).path("id").asText());
            }
            for (String id : ids) {
                server.awaitStatus(id, "completed", TIMEOUT);
            }
            long after = usedHeapAfterGc();
            System.out.printf("server heap per idle (completed) session: %.1f KiB (%d sessions, heap %d -> %d KiB after GC; "
                    + "no process or cgroup is kept for an idle session)%n", (after - before) / 1024.0 / n, n, before / 1024, after / 1024);
        }
    }

    private static void concurrency(Path dir, FakeAnthropic model) throws Exception {
        try (TestServer server = TestServer.start(dir.resolve("data-load"), model, Map.of("MAGNET_MAX_SESSIONS", "64"))) {
            double baseline = -1;
            for (int c : new int[] {1, 2, 4, 6, 8, 12, 16, 24, 32}) {
                List<Long> starts = Collections.synchronizedList(new ArrayList<>());
                List<String> markers = new ArrayList<>();
                List<Instant> posted = new ArrayList<>();
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < c; i++) {
                    String marker = "load-" + c + "-" + UUID.randomUUID();
                    markers.add(marker);
                    posted.add(Instant.now());
                    ids.add(server.createSession(Map.of("prompt", marker)).path("id").asText());
                }
                for (int i = 0; i < c; i++) {
                    RecordedRequest first = model.awaitRequestMentioning(markers.get(i), TIMEOUT);
                    starts.add(Duration.between(posted.get(i), first.at()).toMillis());
                }
                for (String id : ids) {
                    server.awaitStatus(id, "completed", TIMEOUT);
                }
                double mean = starts.stream().mapToLong(Long::longValue).average().orElse(0);
                if (baseline < 0) {
                    baseline = mean;
                }
                System.out.printf("%2d concurrent sessions: start latency mean %.0f ms, p95 %d ms (%.1fx the single-session start)%n",
                        c, mean, pct(starts, 95), mean / baseline);
                if (mean > 2 * baseline) {
                    System.out.printf("start latency doubled at %d concurrent sessions%n", c);
                    return;
                }
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void report(String what, List<Long> micros) {
        System.out.printf("%s: p50 %.1f ms, p95 %.1f ms (n=%d)%n", what, pct(micros, 50) / 1000.0, pct(micros, 95) / 1000.0,
                micros.size());
    }
}
