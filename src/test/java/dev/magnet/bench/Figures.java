package dev.magnet.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What every benchmark here shares: nearest-rank percentiles, the millisecond report line, options. */
final class Figures {
    private Figures() {
    }

    /** The nearest-rank {@code percentile} of {@code values} (unsorted). */
    static long pct(List<Long> values, int percentile) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(rank(sorted.size(), percentile));
    }

    /** The nearest-rank {@code percentile} of {@code sorted} (ascending, not empty). */
    static long pct(long[] sorted, int percentile) {
        return sorted[rank(sorted.length, percentile)];
    }

    private static int rank(int size, int percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * size) - 1;
        return Math.max(0, Math.min(index, size - 1));
    }

    /** One line: p50, p95, min and max of durations in milliseconds. */
    static void report(String what, List<Long> millis) {
        System.out.printf("%s: p50 %d ms, p95 %d ms, min %d ms, max %d ms (n=%d)%n", what, pct(millis, 50), pct(millis, 95),
                Collections.min(millis), Collections.max(millis), millis.size());
    }

    /** The value after {@code name} in {@code args}, else {@code fallback}. */
    static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    static int intArg(String[] args, String name, int fallback) {
        String value = stringArg(args, name, null);
        return value == null ? fallback : Integer.parseInt(value);
    }
}
