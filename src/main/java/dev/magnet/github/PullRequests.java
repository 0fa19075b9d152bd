package dev.magnet.github;

import dev.magnet.git.ChangedFile;
import dev.magnet.session.PullRequest;
import dev.magnet.session.Session;
import java.util.List;
import java.util.Locale;

/**
 * Opens a session's pull request when it first finishes with commits, and updates the same one after each
 * follow-up. A pull request that was closed or merged is left as it is: never reopened, never a second one.
 */
public final class PullRequests {
    private static final int MAX_LISTED_FILES = 100;

    private final GitHubIntegration integration;
    private final PullRequestRecorder recorder;
    private final String publicUrl;

    public PullRequests(GitHubIntegration integration, PullRequestRecorder recorder, String publicUrl) {
        this.integration = integration;
        this.recorder = recorder;
        this.publicUrl = publicUrl.replaceAll("/+$", "");
    }

    /**
     * Opens or updates the pull request of {@code session}'s branch (already pushed) against its base branch.
     *
     * @param summary the agent's final summary of its work (may be null)
     * @param files   the files changed from the base to the session branch
     * @return the pull request as recorded on the session
     * @throws GitHubException when GitHub refuses (with GitHub's message)
     */
    public PullRequest publish(Session session, String summary, List<ChangedFile> files) {
        GitHubAccess access = integration.access(session.workspaceId()).orElseThrow(() -> new GitHubException(
                GitHubException.Kind.NOT_CONFIGURED, "GitHub is not connected for this workspace any more"));
        GitHubRepo repo = GitHubRepo.ofFullName(session.repo());
        String body = body(session, summary, files);
        if (session.pr() == null) {
            PullRequest opened;
            try {
                opened = access.openPullRequest(repo, session.title(), session.branch(), session.baseBranch(), body,
                        access.settings().draftPullRequests());
            } catch (GitHubException e) {
                // why: a run that stopped between opening the PR and recording it finds its PR again on resume
                opened = existing(access, repo, session.branch()).orElseThrow(() -> e);
                opened = access.updatePullRequestBody(repo, opened.number(), body);
            }
            recorder.record(session.id(), opened, "opened");
            return opened;
        }
        PullRequest current = access.pullRequest(repo, session.pr().number());
        if (!current.isOpen()) {
            recorder.record(session.id(), current, null);
            return current;
        }
        PullRequest updated = access.updatePullRequestBody(repo, current.number(), body);
        recorder.record(session.id(), updated, "updated");
        return updated;
    }

    private static java.util.Optional<PullRequest> existing(GitHubAccess access, GitHubRepo repo, String branch) {
        try {
            return access.openPullRequestFrom(repo, branch);
        } catch (GitHubException e) {
            return java.util.Optional.empty();
        }
    }

    /** The pull request body: the agent's summary, the changed files, and a link back to the session. */
    String body(Session session, String summary, List<ChangedFile> files) {
        StringBuilder b = new StringBuilder();
        b.append(summary == null || summary.isBlank() ? "_The agent left no summary._" : summary.strip()).append("\n\n");
        b.append("### Changed files\n\n");
        files.stream().limit(MAX_LISTED_FILES).forEach(f -> {
            b.append("- `").append(f.path()).append('`');
            if (f.oldPath() != null) {
                b.append(" (renamed from `").append(f.oldPath()).append("`)");
            }
            b.append(' ').append(f.change().name().toLowerCase(Locale.ROOT));
            if (!f.binary()) {
                b.append(" (+").append(f.additions()).append(" −").append(f.deletions()).append(')');
            }
            b.append('\n');
        });
        if (files.size() > MAX_LISTED_FILES) {
            b.append("- … and ").append(files.size() - MAX_LISTED_FILES).append(" more\n");
        }
        b.append("\n---\nOpened by [Magnet](").append(publicUrl).append("/sessions/").append(session.id())
                .append(") for ").append(session.author().name()).append(": session `").append(session.id()).append("`.\n");
        return b.toString();
    }
}
