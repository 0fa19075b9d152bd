package dev.magnet.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may create workspaces ({@code MAGNET_WORKSPACE_CREATORS}): {@code admins} (the default: users who are an admin
 * of some workspace), {@code all} signed-in users, {@code none}, or a comma-separated list of email addresses.
 *
 * @param kind   which of the four rules applies
 * @param emails the listed addresses, lower case (empty unless {@code kind} is {@link Kind#LISTED})
 */
public record WorkspaceCreators(Kind kind, Set<String> emails) {
    public static final String SETTING = "MAGNET_WORKSPACE_CREATORS";

    /** The rules an operator can choose. */
    public enum Kind { ADMINS, ALL, NONE, LISTED }

    public WorkspaceCreators {
        emails = Set.copyOf(emails);
        if ((kind == Kind.LISTED) == emails.isEmpty()) {
            throw new IllegalArgumentException(SETTING + ": a list of emails goes with 'listed' only");
        }
    }

    /** Reads the setting; null or blank is {@code admins}. */
    public static WorkspaceCreators parse(String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        switch (v) {
            case "", "admins" -> {
                return new WorkspaceCreators(Kind.ADMINS, Set.of());
            }
            case "all" -> {
                return new WorkspaceCreators(Kind.ALL, Set.of());
            }
            case "none" -> {
                return new WorkspaceCreators(Kind.NONE, Set.of());
            }
            default -> {
                Set<String> emails = Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                        .collect(Collectors.toSet());
                if (emails.isEmpty()) {
                    throw new IllegalArgumentException(SETTING + " must be admins, all, none or a comma-separated list "
                            + "of email addresses, was '" + value + "'");
                }
                for (String email : emails) {
                    if (!email.matches("[^@\\s]+@[^@\\s]+")) {
                        throw new IllegalArgumentException(SETTING + " must be admins, all, none or a comma-separated "
                                + "list of email addresses; '" + email + "' is none of these");
                    }
                }
                return new WorkspaceCreators(Kind.LISTED, emails);
            }
        }
    }

    /**
     * Whether a user may create a workspace.
     *
     * @param adminSomewhere whether the user is an admin of at least one workspace
     * @param email          the user's email address (may be null)
     * @param emailVerified  whether that address was verified; an unverified address never matches the list
     */
    public boolean allow(boolean adminSomewhere, String email, boolean emailVerified) {
        return switch (kind) {
            case ALL -> true;
            case NONE -> false;
            case ADMINS -> adminSomewhere;
            case LISTED -> emailVerified && email != null && emails.contains(email.strip().toLowerCase(Locale.ROOT));
        };
    }

    /** What the rule is, in the words of the setting (for messages and logs). */
    public String describe() {
        return switch (kind) {
            case ADMINS -> "admins (users who are an admin of some workspace)";
            case ALL -> "all";
            case NONE -> "none";
            case LISTED -> "a list of " + emails.size() + " email address" + (emails.size() == 1 ? "" : "es");
        };
    }
}
