package dev.magnet.git;

/**
 * A name and e-mail address as git writes them into commits: the workspace's committer, or a
 * co-author named in a {@code Co-authored-by:} trailer. Rejects (with
 * {@link InvalidGitInputException}) blanks, control characters and angle brackets, which would
 * break the {@code Name <email>} form.
 */
public record GitIdentity(String name, String email) {

    /** The identity Magnet commits as when no other is configured. */
    public static final GitIdentity MAGNET = new GitIdentity("Magnet", "magnet@localhost");

    public GitIdentity {
        name = check("name", name);
        email = check("email", email);
        if (email.contains(" ")) {
            throw new InvalidGitInputException("git identity email '" + email + "' must not contain spaces");
        }
    }

    /** {@code Name <email>}, as in a commit header or trailer. */
    @Override
    public String toString() {
        return name + " <" + email + ">";
    }

    private static String check(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new InvalidGitInputException("git identity " + what + " is empty");
        }
        String text = value.strip();
        if (text.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '<' || c == '>')) {
            throw new InvalidGitInputException("git identity " + what + " must not contain control characters or < >");
        }
        return text;
    }
}
