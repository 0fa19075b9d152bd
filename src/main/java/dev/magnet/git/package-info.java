/**
 * Git for sessions. Host git ({@link dev.magnet.git.Git}) runs only in repositories Magnet alone owns, never in a
 * folder an agent could write (SECURITY.md, rule 1), in an environment built from nothing.
 *
 * <ul>
 *   <li>{@link dev.magnet.git.Mirrors}: one bare mirror per repository and workspace (tenant), the only place that
 *       talks to the remote for reading, with credentials given as {@link dev.magnet.git.GitAuth} (never in a file,
 *       argv or the sandbox).</li>
 *   <li>{@link dev.magnet.git.SessionRepos} / {@link dev.magnet.git.SessionRepo}: a bare repository per session,
 *       made from the mirror, holding the base commit and the session branch; it takes the agent's work as a checked
 *       pack, and diff, stats and push run there.</li>
 *   <li>{@link dev.magnet.git.WorkspaceTransfer}: the repository moves into the sandbox's workspace and back out as
 *       a pack over a sandbox helper's stdio; git runs inside the sandbox for that, as the agent.</li>
 *   <li>{@link dev.magnet.git.OriginPolicy}: which repositories users may name (local paths only under the
 *       operator's roots, URLs only to public addresses unless allowed, no ssh) and how host git reaches them.</li>
 * </ul>
 *
 * <p>User input is validated before git sees it: {@link dev.magnet.git.RepoUrl} and
 * {@link dev.magnet.git.BranchName} throw {@link dev.magnet.git.InvalidGitInputException}. Every git failure is a
 * {@link dev.magnet.git.GitException} with a {@link dev.magnet.git.GitException.Kind}.
 */
package dev.magnet.git;
