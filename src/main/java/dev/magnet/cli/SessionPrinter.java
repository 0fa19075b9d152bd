package dev.magnet.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Renders sessions for people: the table of {@code list}, the summary of {@code show}, and the
 * one-line headline printed after {@code create} and {@code retry}. Pure: it only formats.
 */
final class SessionPrinter {

    private static final int MAX_PROMPT_LINES = 10;
    private static final String[] HEADERS = {"ID", "STATUS", "AGE", "REPO", "TITLE", "PR"};

    private final Style style;
    private final Clock clock;
    private final DateTimeFormatter timestamps;

    SessionPrinter(Style style, Clock clock) {
        this.style = style;
        this.clock = clock;
        this.timestamps = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(clock.getZone());
    }

    /** {@code active/running}, {@code completed}, or {@code failed/<reason>}. */
    static String state(SessionAnswer session) {
        String status = session.status() == null ? "unknown" : session.status();
        return switch (status) {
            case "active" -> session.phase() == null ? status : status + "/" + session.phase();
            case "failed" -> session.failure() == null || session.failure().reason() == null
                    ? status : status + "/" + session.failure().reason();
            default -> status;
        };
    }

    /** {@code <title> · active/queued}. */
    String headline(SessionAnswer session) {
        return orDash(session.title()) + " · " + colourState(state(session), session.status());
    }

    /** The table of a page of sessions, then the week's figures and how to get the next page. */
    List<String> table(SessionList page) {
        List<String> lines = new ArrayList<>();
        if (page.sessions().isEmpty()) {
            lines.add("no sessions");
        } else {
            List<String[]> rows = new ArrayList<>();
            rows.add(HEADERS);
            for (SessionAnswer session : page.sessions()) {
                rows.add(new String[] {
                    orDash(session.id()),
                    state(session),
                    Formats.age(session.createdAt(), clock.instant()),
                    Formats.cut(repoAndBranch(session), 40),
                    Formats.cut(orDash(session.title()), 60),
                    pr(session.pr()),
                });
            }
            int[] widths = widths(rows);
            lines.add(style.bold(row(rows.get(0), widths, UnaryOperator.identity())));
            for (int i = 1; i < rows.size(); i++) {
                String status = page.sessions().get(i - 1).status();
                lines.add(row(rows.get(i), widths, state -> colourState(state, status)));
            }
        }
        if (page.stats() != null) {
            lines.add("");
            lines.add(stats(page.stats()));
        }
        if (page.nextCursor() != null) {
            lines.add(style.dim("more: repeat with --cursor " + page.nextCursor()));
        }
        return lines;
    }

    /** Everything {@code show} tells about one session, label by label. */
    List<String> summary(SessionAnswer session) {
        List<String> lines = new ArrayList<>();
        lines.add(style.bold(orDash(session.title())));
        field(lines, "id", session.id());
        field(lines, "status", session.status() == null ? null : colourState(session.status(), session.status()));
        field(lines, "phase", session.phase());
        if (session.failure() != null) {
            field(lines, "failure", style.red(session.failure().describe()));
        }
        field(lines, "repo", session.repo());
        field(lines, "base", session.baseBranch());
        field(lines, "branch", session.branch());
        field(lines, "model", session.model());
        field(lines, "author", author(session.author()));
        field(lines, "created", timestamp(session.createdAt()));
        field(lines, "updated", timestamp(session.updatedAt()));
        field(lines, "cost", cost(session.cost()));
        field(lines, "PR", session.pr() == null ? null : pr(session.pr())
                + (session.pr().url() == null ? "" : " " + session.pr().url()));
        field(lines, "retry of", session.retryOf());
        field(lines, "messages", session.messageCount() == null ? null : session.messageCount().toString());
        prompt(lines, session.prompt());
        if (!session.phases().isEmpty()) {
            lines.add("");
            lines.add(style.bold("phases"));
            for (SessionAnswer.PhaseEntry entry : session.phases()) {
                lines.add("  " + (entry.at() == null ? "-" : timestamps.format(entry.at())) + "  " + phase(entry));
            }
        }
        if (!session.tasks().isEmpty()) {
            lines.add("");
            lines.add(style.bold("tasks"));
            for (SessionAnswer.Task task : session.tasks()) {
                lines.add("  " + checkbox(task.status()) + " " + orDash(task.title()));
            }
        }
        return lines;
    }

    private void prompt(List<String> lines, String prompt) {
        List<String> text = Formats.lines(prompt);
        if (text.isEmpty()) {
            return;
        }
        lines.add("");
        lines.add(style.bold("prompt"));
        for (String line : text.subList(0, Math.min(text.size(), MAX_PROMPT_LINES))) {
            lines.add("  " + line);
        }
        if (text.size() > MAX_PROMPT_LINES) {
            lines.add("  " + style.dim("… (" + (text.size() - MAX_PROMPT_LINES) + " more lines)"));
        }
    }

    private static String phase(SessionAnswer.PhaseEntry entry) {
        StringBuilder text = new StringBuilder(orDash(entry.phase()));
        if (entry.status() != null && !"active".equals(entry.status())) {
            text.append(" → ").append(entry.status());
        }
        if (!Formats.isBlank(entry.reason())) {
            text.append(" (").append(entry.reason()).append(')');
        }
        return text.toString();
    }

    private String stats(SessionList.Stats stats) {
        return orZero(stats.sessionsPastWeek()) + " sessions, " + orZero(stats.mergesPastWeek()) + " merges, "
                + orZero(stats.authorsPastWeek()) + " authors and " + orZero(stats.humansPastWeek()) + " people this week · "
                + orZero(stats.humansPromptingNow()) + " prompting now";
    }

    private String timestamp(Instant at) {
        return at == null ? null : timestamps.format(at) + " (" + Formats.age(at, clock.instant()) + " ago)";
    }

    private static String cost(SessionAnswer.Cost cost) {
        if (cost == null || (cost.usd() == null && cost.inputTokens() == null && cost.outputTokens() == null)) {
            return null;
        }
        return Formats.usd(cost.usd() == null ? 0 : cost.usd()) + " · "
                + Formats.count(cost.inputTokens() == null ? 0 : cost.inputTokens()) + " in / "
                + Formats.count(cost.outputTokens() == null ? 0 : cost.outputTokens()) + " out";
    }

    private static String author(SessionAnswer.Author author) {
        if (author == null) {
            return null;
        }
        if (author.name() == null) {
            return author.id();
        }
        return author.id() == null ? author.name() : author.name() + " (" + author.id() + ")";
    }

    private static String repoAndBranch(SessionAnswer session) {
        if (session.repo() == null) {
            return "-";
        }
        return session.baseBranch() == null ? session.repo() : session.repo() + "@" + session.baseBranch();
    }

    private static String pr(SessionAnswer.PullRequest pr) {
        if (pr == null || pr.number() == null) {
            return "-";
        }
        return "#" + pr.number() + (pr.state() == null || "open".equals(pr.state()) ? "" : " " + pr.state());
    }

    private static String checkbox(String status) {
        return switch (status == null ? "" : status) {
            case "completed" -> "[x]";
            case "in_progress" -> "[>]";
            default -> "[ ]";
        };
    }

    private String colourState(String text, String status) {
        return switch (status == null ? "" : status) {
            case "completed" -> style.green(text);
            case "failed" -> style.red(text);
            case "active" -> style.cyan(text);
            default -> text;
        };
    }

    private static void field(List<String> lines, String label, String value) {
        if (value != null) {
            lines.add("  " + String.format("%-10s", label) + value);
        }
    }

    private static int[] widths(List<String[]> rows) {
        int[] widths = new int[HEADERS.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        return widths;
    }

    /** The cells padded to their column's width; the status cell is coloured after padding, so columns stay aligned. */
    private static String row(String[] cells, int[] widths, UnaryOperator<String> statusStyle) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            boolean last = i == cells.length - 1;
            String cell = last ? cells[i] : String.format("%-" + widths[i] + "s", cells[i]);
            line.append(i == 1 ? statusStyle.apply(cell) : cell);
            if (!last) {
                line.append("  ");
            }
        }
        return line.toString();
    }

    private static String orDash(String text) {
        return Formats.isBlank(text) ? "-" : text;
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }
}
