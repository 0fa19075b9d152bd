package dev.magnet.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A review comment on a line or a range of lines of a session's diff, on the new side (the file as the agent left it)
 * or the old side (the file before its changes: deleted or changed lines), and the follow-up it becomes: the comment,
 * the file, the side, the lines and the hunk they are in, taken from the stored diff (never from the request), so the
 * agent sees exactly what the reviewer saw.
 */
public record ReviewComment(String path, Side side, int startLine, int endLine, String text) {
    private static final Pattern HUNK = Pattern.compile("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@.*$");
    public static final int MAX_PATH_CHARS = 1000;

    /** Which file of the diff the line numbers count in. */
    public enum Side {
        /** The file after the session's changes ({@code +} and context lines). */
        NEW,
        /** The file before them ({@code -} and context lines). */
        OLD;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The side named {@code wire} ({@code new} or {@code old}), if it is one. */
        public static Optional<Side> fromWire(String wire) {
            for (Side s : values()) {
                if (s.wire().equals(wire)) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    public ReviewComment {
        if (side == null) {
            throw new IllegalArgumentException("a review comment is on the new or the old side");
        }
        if (startLine < 1 || endLine < startLine) {
            throw new IllegalArgumentException("lines must be 1 or more, the last not before the first");
        }
    }

    /** A comment on lines of the new side. */
    public ReviewComment(String path, int startLine, int endLine, String text) {
        this(path, Side.NEW, startLine, endLine, text);
    }

    /**
     * The hunk of {@code diff} (git's unified diff) of this comment's file that holds all its lines on its side, if any.
     * The file is the one whose old or new name is {@code path} (a deleted file has only an old one).
     */
    public Optional<String> hunkIn(String diff) {
        String oldFile = null;
        String newFile = null;
        List<String> hunk = null;
        int first = 0;
        int count = 0;
        for (String line : (diff == null ? "" : diff).split("\n", -1)) {
            if (line.startsWith("diff --git ")) {
                if (hunk != null && covers(oldFile, newFile, first, count)) {
                    return Optional.of(String.join("\n", hunk).stripTrailing());
                }
                oldFile = null;
                newFile = null;
                hunk = null;
                count = 0;
                continue;
            }
            if (hunk == null && line.startsWith("--- ")) {
                oldFile = fileName(line);
                continue;
            }
            if (hunk == null && line.startsWith("+++ ")) {
                newFile = fileName(line);
                continue;
            }
            Matcher m = HUNK.matcher(line);
            if ((oldFile != null || newFile != null) && m.matches()) {
                if (hunk != null && covers(oldFile, newFile, first, count)) {
                    return Optional.of(String.join("\n", hunk).stripTrailing());
                }
                hunk = new ArrayList<>();
                int start = side == Side.NEW ? 3 : 1;
                first = Integer.parseInt(m.group(start));
                count = m.group(start + 1) == null ? 1 : Integer.parseInt(m.group(start + 1));
            }
            if (hunk != null) {
                hunk.add(line);
            }
        }
        return hunk != null && covers(oldFile, newFile, first, count) ? Optional.of(String.join("\n", hunk).stripTrailing()) : Optional.empty();
    }

    /** The name in a {@code ---} or {@code +++} line without its {@code a/} or {@code b/}; null for {@code /dev/null}. */
    private static String fileName(String line) {
        String name = line.substring(4).split("\t")[0];
        if (name.equals("/dev/null")) {
            return null;
        }
        return name.startsWith("a/") || name.startsWith("b/") ? name.substring(2) : name;
    }

    private boolean covers(String oldFile, String newFile, int first, int count) {
        return (path.equals(newFile) || path.equals(oldFile)) && count > 0 && startLine >= first && endLine <= first + count - 1;
    }

    /** The follow-up the agent receives: the comment, where it points, and the hunk in a fence it cannot close. */
    public String followUp(String hunk) {
        String fence = "```";
        while (hunk.contains(fence)) {
            fence += "`";
        }
        String lines = (startLine == endLine ? "line " + startLine : "lines " + startLine + "-" + endLine)
                + (side == Side.OLD ? " of the file before your changes (the - side)" : "");
        return "Review comment on " + path + " " + lines + ":\n\n" + text.strip() + "\n\n"
                + "The comment is about " + lines + " of " + path + " in this hunk of your changes:\n"
                + fence + "diff\n" + hunk + "\n" + fence + "\n";
    }
}
