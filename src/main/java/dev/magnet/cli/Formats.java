package dev.magnet.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** Small text helpers shared by the printers: cutting, counting, money, tokens, durations, ages. */
final class Formats {

    private Formats() {
    }

    /** The text on one line, cut to {@code max} characters with a trailing ellipsis. */
    static String cut(String text, int max) {
        String oneLine = text.replace("\r", "").replace('\n', ' ');
        if (oneLine.length() <= max) {
            return oneLine;
        }
        return oneLine.substring(0, Math.max(0, max - 1)) + "…";
    }

    /** The lines of a text; a trailing line break does not make an empty last line. */
    static List<String> lines(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        return List.of(text.stripTrailing().split("\r?\n", -1));
    }

    /** The first line of a text, with {@code " …"} appended when more lines follow. */
    static String firstLine(String text) {
        List<String> lines = lines(text.strip());
        if (lines.isEmpty()) {
            return "";
        }
        return lines.size() == 1 ? lines.get(0) : lines.get(0) + " …";
    }

    static String usd(double amount) {
        return String.format(Locale.ROOT, "$%.4f", amount);
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code 0.4s}, {@code 12.0s}, or {@code 3m 05s} from a number of milliseconds. */
    static String duration(long millis) {
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long seconds = millis / 1000;
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh %02dm", seconds / 3600, seconds % 3600 / 60);
    }

    /** How long ago {@code then} was: {@code 45s}, {@code 12m}, {@code 3h}, {@code 5d}, {@code 7w}. */
    static String age(Instant then, Instant now) {
        if (then == null) {
            return "-";
        }
        long seconds = Math.max(0, Duration.between(then, now).toSeconds());
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m";
        }
        if (seconds < 86_400) {
            return seconds / 3600 + "h";
        }
        if (seconds < 14 * 86_400) {
            return seconds / 86_400 + "d";
        }
        return seconds / (7 * 86_400) + "w";
    }

    /** {@code 512 B}, {@code 12.3 KB}, {@code 4.0 MB}. */
    static String bytes(long size) {
        if (size < 1024) {
            return size + " B";
        }
        if (size < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", size / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", size / (1024.0 * 1024));
    }

    static boolean isBlank(String text) {
        return text == null || text.isBlank();
    }
}
