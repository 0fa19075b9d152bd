package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;

/**
 * Renders the unified diff of one file: {@code ---}/{@code +++} headers and {@code @@} hunks, as
 * {@code git apply} and {@code patch} read them. Workspace-relative paths get git's {@code a/} and
 * {@code b/} prefixes; a created file's old side is {@code /dev/null}.
 */
final class UnifiedDiff {
    private static final String NO_NEWLINE = "\\ No newline at end of file";

    private UnifiedDiff() {
    }

    /** The diff of a new file: every line added. */
    static String ofNewFile(String path, String content) {
        StringBuilder diff = headers(path, true);
        if (content == null || content.isEmpty()) {
            return diff.toString();
        }
        boolean endsWithNewline = content.endsWith("\n");
        String[] lines = (endsWithNewline ? content.substring(0, content.length() - 1) : content).split("\n", -1);
        diff.append("@@ -0,0 +1,").append(lines.length).append(" @@\n");
        for (String line : lines) {
            diff.append('+').append(line).append('\n');
        }
        if (!endsWithNewline) {
            diff.append(NO_NEWLINE).append('\n');
        }
        return diff.toString();
    }

    /**
     * The diff from the CLI's {@code structuredPatch}: hunks of {@code oldStart, oldLines, newStart,
     * newLines} and {@code lines} that already carry their {@code ' '}, {@code '-'} or {@code '+'} prefix.
     */
    static String ofPatch(String path, boolean created, JsonNode hunks) {
        StringBuilder diff = headers(path, created);
        for (JsonNode hunk : hunks) {
            diff.append("@@ -").append(range(hunk, "oldStart", "oldLines"))
                    .append(" +").append(range(hunk, "newStart", "newLines")).append(" @@\n");
            for (JsonNode line : Json.at(hunk, "lines")) {
                if (line.isTextual()) {
                    diff.append(line.asText()).append('\n');
                }
            }
        }
        return diff.toString();
    }

    private static StringBuilder headers(String path, boolean created) {
        boolean relative = !path.startsWith("/");
        String oldName = created ? "/dev/null" : (relative ? "a/" : "") + path;
        String newName = (relative ? "b/" : "") + path;
        return new StringBuilder("--- ").append(oldName).append('\n').append("+++ ").append(newName).append('\n');
    }

    // why: the CLI's structuredPatch (jsdiff) gives an empty side the start line after it, e.g.
    // oldStart 1 with oldLines 0; unified diff wants the line before it (-0,0), as jsdiff's own formatter does
    private static String range(JsonNode hunk, String startField, String linesField) {
        int start = orZero(Json.integer(hunk, startField));
        int lines = orZero(Json.integer(hunk, linesField));
        return (lines == 0 ? Math.max(0, start - 1) : start) + "," + lines;
    }

    private static int orZero(Integer value) {
        return value == null ? 0 : value;
    }
}
