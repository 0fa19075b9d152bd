/**
 * Git for sessions, through the git command-line program ({@link dev.magnet.git.Git}).
 *
 * <p>{@link dev.magnet.git.Mirrors} keeps one bare mirror per repository, the only place that
 * talks to the remote for reading (with credentials given as {@link dev.magnet.git.GitAuth}, which
 * never end up in a file, argv or the sandbox). {@link dev.magnet.git.Workspaces} clones a mirror
 * into a session workspace with hardlinks and checks out the session branch
 * ({@link dev.magnet.git.BranchName#forSession}). {@link dev.magnet.git.Workspace} commits what the
 * agent left, computes the diff and pushes the session branch only, never forced.
 *
 * <p>User input is validated before git sees it: {@link dev.magnet.git.RepoUrl} and
 * {@link dev.magnet.git.BranchName} throw {@link dev.magnet.git.InvalidGitInputException}. Every
 * git failure is a {@link dev.magnet.git.GitException} with a {@link dev.magnet.git.GitException.Kind}.
 *
 * <p>The agent controls the workspace's {@code .git}. Host-side git there runs with explicit
 * {@code --git-dir}/{@code --work-tree}, no hooks, no fsmonitor, no external diff programs; before
 * committing or pushing, the workspace's config is replaced by Magnet's own; a {@code .git} holding
 * symbolic links is refused.
 */
package dev.magnet.git;
