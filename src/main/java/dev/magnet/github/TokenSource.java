package dev.magnet.github;

/**
 * Where the token for one repository comes from: a personal access token, or installation tokens of a GitHub
 * App minted per repository. Tokens are used host-side only.
 */
interface TokenSource {

    /**
     * A token that GitHub accepts for {@code repo} now and for a while yet.
     *
     * @throws GitHubException NOT_FOUND when an App is not installed on the repository; FORBIDDEN, RATE_LIMITED,
     *                         UNAVAILABLE or NOT_CONFIGURED when no token can be had
     */
    String token(GitHubRepo repo);

    /** GitHub refused {@code token} (401): the next {@link #token} call must not return it again. */
    void rejected(GitHubRepo repo, String token);

    /** A fixed token (a personal access token). */
    static TokenSource fixed(String token) {
        return new TokenSource() {
            @Override
            public String token(GitHubRepo repo) {
                return token;
            }

            @Override
            public void rejected(GitHubRepo repo, String token) {
                // why: nothing to refresh; the next call fails with GitHub's answer and the user fixes the token
            }
        };
    }
}
