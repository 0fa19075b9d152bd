package dev.magnet.bench;

import dev.magnet.testing.fuzz.FuzzRun;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./magnet bench fuzz}: the OpenAPI fuzz run of {@code OpenApiFuzzIT} at full size, with its figures: requests
 * by category and kind, answers by status, 5xx, time, and the heap after GC after the warm-up and at the end.
 * Options: {@code --requests N} (default 10,000), {@code --seed N} (default: a new random one, printed). Exits 1 when
 * the run found a failure (a 5xx, a refusal that changed a table, ...) or the heap grew by more than
 * {@link FuzzRun#HEAP_BOUND} bytes. Needs what the integration tests need: the Claude Code CLI and the local PostgreSQL
 * ({@code MAGNET_TEST_POSTGRES_URL}).
 */
public final class FuzzBench {
    private FuzzBench() {
    }

    public static void main(String[] args) throws Exception {
        int requests = Integer.parseInt(arg(args, "--requests", "10000"));
        String seedArg = arg(args, "--seed", null);
        long seed = seedArg == null ? FuzzRun.seed() : Long.parseLong(seedArg);
        Path dir = Files.createTempDirectory("magnet-fuzz");
        System.out.println("Magnet OpenAPI fuzz run (" + requests + " requests, seed " + seed + ") in " + dir);
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + Runtime.version()
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB");
        boolean failed;
        try (FuzzRun run = FuzzRun.start(dir)) {
            FuzzRun.Report report = run.run(requests, seed, System.out);
            System.out.println(report.summary());
            failed = report.failureCount() > 0 || !report.unfuzzedOperations().isEmpty()
                    || report.heapGrowth() >= FuzzRun.HEAP_BOUND;
        }
        System.out.println(failed ? "FAILED (repeat with --seed " + seed + ")" : "passed");
        System.exit(failed ? 1 : 0);
    }

    private static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
