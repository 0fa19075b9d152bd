package dev.magnet.github;

/** What Magnet needs to know of a repository: its canonical name, default branch and HTTPS clone URL. */
public record RepoInfo(GitHubRepo repo, String defaultBranch, String cloneUrl, String htmlUrl) {
}
