/**
 * The GitHub integration (SPEC §1, §4, §7): which repositories are GitHub's ({@link dev.magnet.github.GitHubRepo}),
 * the integration of each workspace ({@link dev.magnet.github.GitHubIntegration}: from the environment or set
 * through the API, secrets sealed at rest), tokens (a personal access token, or GitHub App installation tokens
 * scoped to one repository and refreshed before they expire), repository and branch lookup, pull requests
 * opened and updated at finishing ({@link dev.magnet.github.PullRequests}), and their state kept in sync by
 * signed webhooks ({@link dev.magnet.github.Webhooks}) and polling ({@link dev.magnet.github.PullRequestPoller}).
 *
 * <p>Tokens are used host-side only: for the REST API and in git's environment
 * ({@link dev.magnet.github.GitHubAccess#gitAuth}); each is registered with the redactor when Magnet learns it.
 */
package dev.magnet.github;
