package dev.magnet.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.fuzz.FuzzRun;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated requests to every operation of the API description the server serves, each a valid request broken in one
 * way (credentials, ids, JSON, types, constraints, odd values, sizes, empty values, parameters, methods), from a seeded
 * generator ({@code -Dmagnet.fuzz.seed=N} repeats a run; the seed is in every failure message). The server answers none
 * with 5xx, refuses with problem+json and without changing any table, accepts nothing it must refuse, and its heap is
 * as flat at the end as after the warm-up. {@code -Dmagnet.fuzz.requests=N} changes the count; {@code ./magnet bench
 * fuzz} runs the same outside the test suite.
 */
class OpenApiFuzzIT {
    static final int REQUESTS = Integer.getInteger("magnet.fuzz.requests", 2_000);

    @TempDir
    static Path dir;
    static FuzzRun fuzz;

    @BeforeAll
    static void start() {
        fuzz = FuzzRun.start(dir);
    }

    @AfterAll
    static void stop() {
        if (fuzz != null) {
            fuzz.close();
        }
    }

    @Test
    void generated_requests_to_every_operation_get_no_5xx_refusals_change_nothing_and_the_heap_stays_flat()
            throws InterruptedException {
        long seed = FuzzRun.seed();
        FuzzRun.Report report = fuzz.run(REQUESTS, seed, System.out);
        String summary = report.summary();
        System.out.println(summary);

        String repeat = "seed " + seed + " (repeat with -Dmagnet.fuzz.seed=" + seed + ")\n" + summary;
        assertThat(report.failures()).as(repeat).isEmpty();
        assertThat(report.unfuzzedOperations()).as(repeat).isEmpty();
        assertThat(report.heapGrowth()).as("heap growth in bytes; " + repeat).isLessThan(FuzzRun.HEAP_BOUND);
    }
}
