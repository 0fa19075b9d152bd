package dev.magnet.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A review comment on a line or a range of lines of a session's diff (new side), and the follow-up it becomes: the
 * comment, the file, the lines and the hunk they are in, taken from the stored diff (never from the request), so the
 * agent sees exactly what the reviewer saw.
 */
public record ReviewComment(String path, int startLine, int endLine, String text) {
    private static final Pattern HUNK = Pattern.compile("^@@ -\\d+(?:,\\d+)? \\+(\\d+)(?:,(\\d+))? @@.*$");
    public static final int MAX_PATH_CHARS = 1000;

    public ReviewComment {
        if (startLine < 1 || endLine < startLine) {
            throw new IllegalArgumentException("lines must be 1 or more, the last not before the first");
        }
    }

    /** The hunk of {@code diff} (git's unified diff) of this comment's file that holds all its lines, if any. */
    public Optional<String> hunkIn(String diff) {
        String file = null;
        List<String> hunk = null;
        int first = 0;
        int count = 0;
        for (String line : (diff == null ? "" : diff).split("\n", -1)) {
            if (line.startsWith("diff --git ")) {
                if (hunk != null && covers(file, first, count)) {
                    return Optional.of(String.join("\n", hunk).stripTrailing());
                }
                file = null;
                hunk = null;
                count = 0;
                continue;
            }
            if (hunk == null && line.startsWith("+++ ")) {
                String name = line.substring(4).split("\t")[0];
                file = name.startsWith("b/") ? name.substring(2) : name;
                continue;
            }
            Matcher m = HUNK.matcher(line);
            if (file != null && m.matches()) {
                if (hunk != null && covers(file, first, count)) {
                    return Optional.of(String.join("\n", hunk).stripTrailing());
                }
                hunk = new ArrayList<>();
                first = Integer.parseInt(m.group(1));
                count = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
            }
            if (hunk != null) {
                hunk.add(line);
            }
        }
        return hunk != null && covers(file, first, count) ? Optional.of(String.join("\n", hunk).stripTrailing()) : Optional.empty();
    }

    private boolean covers(String file, int first, int count) {
        return path.equals(file) && count > 0 && startLine >= first && endLine <= first + count - 1;
    }

    /** The follow-up the agent receives: the comment, where it points, and the hunk in a fence it cannot close. */
    public String followUp(String hunk) {
        String fence = "```";
        while (hunk.contains(fence)) {
            fence += "`";
        }
        String lines = startLine == endLine ? "line " + startLine : "lines " + startLine + "-" + endLine;
        return "Review comment on " + path + " " + lines + ":\n\n" + text.strip() + "\n\n"
                + "The comment is about " + lines + " of " + path + " in this hunk of your changes:\n"
                + fence + "diff\n" + hunk + "\n" + fence + "\n";
    }
}
