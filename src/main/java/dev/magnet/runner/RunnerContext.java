package dev.magnet.runner;

import dev.magnet.config.MagnetConfig;
import dev.magnet.events.Redactor;
import dev.magnet.gateway.ModelRelay;
import dev.magnet.git.GitIdentity;
import dev.magnet.github.GitHubIntegration;
import dev.magnet.github.PullRequests;
import dev.magnet.git.SessionRepos;
import dev.magnet.git.WorkspaceTransfer;
import dev.magnet.sandbox.SandboxProvider;
import dev.magnet.session.SessionDiffs;
import dev.magnet.session.SessionStore;

/** What every session workflow of a runner works with. */
record RunnerContext(
        String runnerId,
        MagnetConfig config,
        SessionStore store,
        SessionDiffs diffs,
        SessionRepos repos,
        WorkspaceTransfer transfer,
        SandboxProvider sandboxes,
        ModelRelay relay,
        Redactor redactor,
        RunnerMetrics metrics,
        GitHubIntegration github,
        PullRequests pullRequests) {

    GitIdentity identity() {
        return new GitIdentity(config.gitName(), config.gitEmail());
    }

    String redact(String text) {
        return redactor.redact(text);
    }
}
