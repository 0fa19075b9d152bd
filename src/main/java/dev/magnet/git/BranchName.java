package dev.magnet.git;

import java.text.Normalizer;
import java.util.Locale;

/**
 * A branch name that git accepts (the rules of {@code git check-ref-format --branch}) and that
 * cannot be mistaken for an option: no leading {@code -}, no {@code ..}, {@code @{}, spaces,
 * control characters or {@code ~^:?*[\}, no component starting with {@code .} or ending with
 * {@code .lock}, no leading, trailing or doubled {@code /}, no trailing {@code .}, at most
 * {@value #MAX_LENGTH} characters. The constructor throws {@link InvalidGitInputException} with
 * the rule that was broken.
 */
public record BranchName(String value) {
    public static final int MAX_LENGTH = 200;
    static final int MAX_SLUG_LENGTH = 40;
    private static final String SESSION_PREFIX = "magnet/";
    private static final int SHORT_ID_LENGTH = 8;

    public BranchName {
        String problem = problemWith(value);
        if (problem != null) {
            throw new InvalidGitInputException("branch name '" + printable(value) + "' is not valid: " + problem);
        }
    }

    /** Validates a branch name a user gave; see the type's description for the rules. */
    public static BranchName of(String value) {
        return new BranchName(value);
    }

    /**
     * The branch a session works on: {@code magnet/<short-id>-<slug>}, e.g.
     * {@code magnet/3fa4c2e1-fix-the-login-bug}. See {@link #shortId(String)} and {@link #slug(String)}.
     */
    public static BranchName forSession(String sessionId, String title) {
        return new BranchName(SESSION_PREFIX + shortId(sessionId) + "-" + slug(title));
    }

    /** Eight characters that tell sessions apart: the last eight letters or digits of the session id. */
    public static String shortId(String sessionId) {
        // why: session ids are UUIDv7; their first eight characters are a timestamp that stays the
        // same for about 65 s, so two sessions created within a minute (a quick retry of the same
        // prompt) would get the same branch. The last characters of a UUIDv7 are random.
        String alphanumeric = sessionId == null ? "" : sessionId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        if (alphanumeric.length() < SHORT_ID_LENGTH) {
            throw new IllegalArgumentException("session id needs at least " + SHORT_ID_LENGTH
                    + " letters or digits, got '" + printable(sessionId) + "'");
        }
        return alphanumeric.substring(alphanumeric.length() - SHORT_ID_LENGTH);
    }

    /**
     * A branch-safe form of a title: lower-case ASCII letters, digits and single hyphens, accents
     * dropped, at most {@value #MAX_SLUG_LENGTH} characters, no hyphen at either end;
     * {@code session} when nothing is left.
     */
    public static String slug(String title) {
        String ascii = Normalizer.normalize(title == null ? "" : title, Normalizer.Form.NFD)
                .replaceAll("\\p{M}", "")
                .toLowerCase(Locale.ROOT);
        String slug = ascii.replaceAll("[^a-z0-9]+", "-").replaceAll("^-+", "");
        if (slug.length() > MAX_SLUG_LENGTH) {
            slug = slug.substring(0, MAX_SLUG_LENGTH);
        }
        slug = slug.replaceAll("-+$", "");
        return slug.isEmpty() ? "session" : slug;
    }

    @Override
    public String toString() {
        return value;
    }

    /** The full ref, {@code refs/heads/<name>}. */
    public String ref() {
        return "refs/heads/" + value;
    }

    private static String problemWith(String name) {
        if (name == null || name.isEmpty()) {
            return "it is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "it is longer than " + MAX_LENGTH + " characters";
        }
        if (name.startsWith("-")) {
            return "it must not start with '-'";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "it must not contain control characters";
            }
            if (c == ' ') {
                return "it must not contain spaces";
            }
            if ("~^:?*[\\".indexOf(c) >= 0) {
                return "it must not contain '" + c + "' (none of ~ ^ : ? * [ \\ are allowed)";
            }
        }
        if (name.contains("..")) {
            return "it must not contain '..'";
        }
        if (name.contains("@{")) {
            return "it must not contain '@{'";
        }
        if (name.equals("@") || name.equals("HEAD")) {
            return "'" + name + "' is reserved by git";
        }
        if (name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
            return "it must not start or end with '/' or contain '//'";
        }
        if (name.endsWith(".")) {
            return "it must not end with '.'";
        }
        for (String component : name.split("/")) {
            if (component.startsWith(".")) {
                return "no part between slashes may start with '.'";
            }
            if (component.endsWith(".lock")) {
                return "no part between slashes may end with '.lock'";
            }
        }
        return null;
    }

    private static String printable(String text) {
        if (text == null) {
            return "";
        }
        String visible = text.replaceAll("\\p{Cntrl}", "?");
        return visible.length() > 80 ? visible.substring(0, 80) + "..." : visible;
    }
}
