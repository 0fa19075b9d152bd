package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns session events into one or a few readable lines each, as {@code magnet sessions follow}
 * prints them. Pure: it only formats. {@code delta} events are not shown, since the whole text
 * and thinking blocks follow them.
 */
final class EventPrinter {

    static final int MAX_OUTPUT_LINES = 20;
    static final int SUMMARY_WIDTH = 120;
    static final int OUTPUT_LINE_WIDTH = 200;
    private static final String INDENT = "  ";

    private final Style style;

    EventPrinter(Style style) {
        this.style = style;
    }

    /** The lines to print for an event; empty for events that are not shown. */
    List<String> lines(SessionEvent event) {
        JsonNode data = event.data();
        return switch (event.type()) {
            case "status" -> List.of(status(data));
            case "user_message" -> userMessage(data);
            case "message_delivered" -> List.of(style.dim("· message delivered"));
            case "thinking" -> List.of(style.dim("· thinking: " + Formats.cut(Formats.firstLine(orEmpty(data, "text")), SUMMARY_WIDTH)));
            case "text" -> Formats.lines(orEmpty(data, "text"));
            case "delta" -> List.of();
            case "tool_use" -> List.of(toolUse(data));
            case "tool_result" -> toolResult(data);
            case "file_change" -> List.of(fileChange(data));
            case "todo" -> todo(data);
            case "model_retry" -> List.of(style.yellow(modelRetry(data)));
            case "turn_result" -> List.of(turnResult(data));
            case "pr" -> List.of(style.cyan(pullRequest(data)));
            case "error" -> List.of(style.red("✗ error: " + orEmpty(data, "message")));
            case "setup_output" -> Formats.lines(orEmpty(data, "text")).stream().map(l -> style.dim("  setup │ " + l)).toList();
            case "run_output" -> Formats.lines(orEmpty(data, "text")).stream().map(l -> style.dim("    run │ " + l)).toList();
            case "egress" -> List.of(egress(data));
            default -> List.of(style.dim("[" + event.type() + "] " + Formats.cut(data.toString(), SUMMARY_WIDTH)));
        };
    }

    private String egress(JsonNode data) {
        String where = orEmpty(data, "host") + ":" + data.path("port").asInt();
        if (data.path("allowed").asBoolean()) {
            return style.dim("· " + orEmpty(data, "phase") + " reached " + where + " (" + data.path("bytesReceived").asLong()
                    + " bytes in)");
        }
        return style.yellow("· " + orEmpty(data, "phase") + " denied " + where + ": " + orEmpty(data, "reason"));
    }

    /** The closing line for the stream's {@code end} frame. */
    List<String> end(StreamEnd end) {
        if (end.failed()) {
            String why = end.failure() == null ? "" : ": " + end.failure().describe();
            return List.of(style.red("✗ session failed" + why));
        }
        if ("completed".equals(end.status())) {
            return List.of(style.green("✓ session completed"));
        }
        return List.of(style.dim("stream ended" + (end.status() == null ? "" : " (" + end.status() + ")")));
    }

    private String status(JsonNode data) {
        String status = text(data, "status");
        String phase = text(data, "phase");
        String reason = text(data, "reason");
        String message = text(data, "message");
        if ("failed".equals(status)) {
            // why: a failed session's phase is "done"; the phase it failed in is in the failure
            String failedIn = text(data.path("failure"), "phase");
            return style.red("✗ failed: " + new SessionAnswer.Failure(reason, message, failedIn != null ? failedIn : phase).describe());
        }
        if ("completed".equals(status)) {
            return style.green("✓ completed" + note(message, reason));
        }
        return style.cyan("▸ " + (phase != null ? phase : status)) + note(message, reason);
    }

    private static String note(String message, String reason) {
        if (!Formats.isBlank(message)) {
            return " · " + message;
        }
        return Formats.isBlank(reason) ? "" : " · " + reason;
    }

    private List<String> userMessage(JsonNode data) {
        String name = text(data.path("author"), "name");
        String label = name == null ? "you:" : "you (" + name + "):";
        List<String> text = Formats.lines(orEmpty(data, "text"));
        String queued = data.path("queued").asBoolean(false) ? style.dim("  (queued)") : "";
        List<String> lines = new ArrayList<>();
        lines.add(style.bold(label) + " " + (text.isEmpty() ? "" : text.get(0)) + queued);
        for (String line : text.subList(Math.min(1, text.size()), text.size())) {
            lines.add(INDENT + line);
        }
        return lines;
    }

    private String toolUse(JsonNode data) {
        String name = text(data, "name") == null ? "tool" : text(data, "name");
        JsonNode input = data.path("input");
        String line = switch (name) {
            case "Bash" -> "$ Bash: " + orCompact(input, "command");
            case "Write", "Edit", "MultiEdit" -> "✎ " + name + " " + orCompact(input, "file_path");
            case "NotebookEdit" -> "✎ " + name + " " + orCompact(input, "notebook_path");
            case "Read" -> "• Read " + orCompact(input, "file_path");
            case "Grep" -> "• Grep " + orCompact(input, "pattern")
                    + (text(input, "path") == null ? "" : " in " + text(input, "path"));
            case "Glob" -> "• Glob " + orCompact(input, "pattern");
            case "WebFetch" -> "• WebFetch " + orCompact(input, "url");
            case "WebSearch" -> "• WebSearch " + orCompact(input, "query");
            case "Task", "Agent" -> "• " + name + " " + orCompact(input, "description");
            // why: the task list itself arrives as a todo event right after
            case "TodoWrite" -> "• TodoWrite";
            default -> "• " + name + (input.isMissingNode() ? "" : " " + input);
        };
        return style.bold(Formats.cut(line, SUMMARY_WIDTH));
    }

    private List<String> toolResult(JsonNode data) {
        boolean error = data.path("isError").asBoolean(false);
        List<String> output = Formats.lines(orEmpty(data, "output"));
        List<String> lines = new ArrayList<>();
        if (error) {
            String tool = text(data, "toolName");
            lines.add(INDENT + style.red("✗ " + (tool == null ? "tool" : tool) + " failed" + (output.isEmpty() ? "" : ":")));
        } else if (output.isEmpty()) {
            lines.add(INDENT + style.dim("(no output)"));
        }
        int shown = Math.min(output.size(), MAX_OUTPUT_LINES);
        for (String line : output.subList(0, shown)) {
            String cut = INDENT + Formats.cut(line, OUTPUT_LINE_WIDTH);
            lines.add(error ? style.red(cut) : style.dim(cut));
        }
        if (output.size() > shown) {
            lines.add(INDENT + style.dim("… (" + (output.size() - shown) + " more lines)"));
        }
        if (data.path("truncated").asBoolean(false)) {
            String size = data.hasNonNull("size") ? "; " + Formats.bytes(data.get("size").asLong()) + " in all" : "";
            lines.add(INDENT + style.dim("… (output cut by the server" + size + ")"));
        }
        return lines;
    }

    private String fileChange(JsonNode data) {
        List<String> details = new ArrayList<>();
        if (text(data, "kind") != null) {
            details.add(text(data, "kind"));
        }
        if (text(data, "diff") != null) {
            DiffCounts counts = DiffCounts.of(text(data, "diff"));
            details.add("+" + counts.added() + " -" + counts.removed());
        }
        String path = text(data, "path") == null ? "(unknown file)" : text(data, "path");
        return "± " + path + (details.isEmpty() ? "" : " (" + String.join(", ", details) + ")");
    }

    private List<String> todo(JsonNode data) {
        JsonNode items = data.path("items");
        if (!items.isArray() || items.isEmpty()) {
            return List.of("todo: (empty)");
        }
        List<String> lines = new ArrayList<>();
        lines.add("todo:");
        for (JsonNode item : items) {
            String title = orEmpty(item, "title");
            lines.add(INDENT + switch (orEmpty(item, "status")) {
                case "completed" -> style.dim("[x] " + title);
                case "in_progress" -> style.bold("[>] " + title);
                default -> "[ ] " + title;
            });
        }
        return lines;
    }

    private static String modelRetry(JsonNode data) {
        StringBuilder line = new StringBuilder("model retry ").append(orEmpty(data, "attempt"));
        if (data.hasNonNull("maxRetries")) {
            line.append('/').append(data.get("maxRetries").asText());
        }
        List<String> why = new ArrayList<>();
        if (data.hasNonNull("status")) {
            why.add("HTTP " + data.get("status").asText());
        }
        if (!Formats.isBlank(text(data, "error"))) {
            why.add(Formats.cut(text(data, "error"), SUMMARY_WIDTH));
        }
        if (!why.isEmpty()) {
            line.append(" (").append(String.join(", ", why)).append(')');
        }
        if (data.hasNonNull("delayMs")) {
            line.append(", waiting ").append(Formats.duration(data.get("delayMs").asLong()));
        }
        return line.toString();
    }

    private String turnResult(JsonNode data) {
        boolean success = data.path("success").asBoolean(!data.hasNonNull("error"));
        List<String> parts = new ArrayList<>();
        if (success) {
            parts.add("✓ turn done");
        } else {
            String why = text(data, "terminalReason") != null ? text(data, "terminalReason") : text(data, "subtype");
            String error = text(data, "error");
            parts.add("✗ turn failed" + (why == null ? "" : " (" + why + ")")
                    + (Formats.isBlank(error) ? "" : ": " + Formats.cut(error, SUMMARY_WIDTH)));
        }
        if (data.hasNonNull("costUsd")) {
            parts.add(Formats.usd(data.get("costUsd").asDouble()));
        }
        if (data.hasNonNull("inputTokens") || data.hasNonNull("outputTokens")) {
            parts.add(Formats.count(data.path("inputTokens").asLong()) + " in / "
                    + Formats.count(data.path("outputTokens").asLong()) + " out");
        }
        if (data.hasNonNull("durationMs")) {
            parts.add(Formats.duration(data.get("durationMs").asLong()));
        }
        String line = String.join(" · ", parts);
        return success ? style.green(line) : style.red(line);
    }

    private static String pullRequest(JsonNode data) {
        String action = text(data, "action");
        String state = text(data, "state");
        String verb = action == null || action.startsWith("state") ? (state == null ? "updated" : state) : action;
        StringBuilder line = new StringBuilder("⇡ PR #").append(orEmpty(data, "number")).append(' ').append(verb);
        if (state != null && !state.equals(verb) && !"open".equals(state)) {
            line.append(" (").append(state).append(')');
        }
        if (text(data, "url") != null) {
            line.append(": ").append(text(data, "url"));
        }
        return line.toString();
    }

    /** Added and removed lines of a unified diff, not counting its {@code ---}/{@code +++} headers. */
    record DiffCounts(int added, int removed) {

        static DiffCounts of(String diff) {
            int added = 0;
            int removed = 0;
            // why: "---"/"+++" name the files before a file's first hunk; inside a hunk they are changed lines
            boolean inHeader = true;
            for (String line : Formats.lines(diff)) {
                if (line.startsWith("diff ")) {
                    inHeader = true;
                } else if (line.startsWith("@@")) {
                    inHeader = false;
                } else if (inHeader && (line.startsWith("---") || line.startsWith("+++"))) {
                    continue;
                } else if (line.startsWith("+")) {
                    added++;
                } else if (line.startsWith("-")) {
                    removed++;
                }
            }
            return new DiffCounts(added, removed);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String orEmpty(JsonNode node, String field) {
        String value = text(node, field);
        return value == null ? "" : value;
    }

    /** The field's text, cut to its first line; the whole input as JSON when the field is missing. */
    private static String orCompact(JsonNode input, String field) {
        String value = text(input, field);
        return value == null ? input.toString() : Formats.firstLine(value);
    }
}
