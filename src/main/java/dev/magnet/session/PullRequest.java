package dev.magnet.session;

/** The pull request of a session's branch. {@code state} is open, merged or closed. */
public record PullRequest(int number, String url, String state) {
}
