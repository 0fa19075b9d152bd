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

    private static final int MAX_TURN_CHARS = 4000;
    private static final int MAX_TESTS = 50;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PullRequests.class);

    private final GitHubIntegration integration;
    private final PullRequestRecorder recorder;
    private final String publicUrl;
    private final GitHubLoopStore loop;

    /** @param loop the issue a session came from ({@code Closes #N}) and the comments to answer when a turn ends */
    public PullRequests(GitHubIntegration integration, PullRequestRecorder recorder, String publicUrl, GitHubLoopStore loop) {
        this.integration = integration;
        this.recorder = recorder;
        this.publicUrl = publicUrl.replaceAll("/+$", "");
        this.loop = loop;
    }

    /**
     * Opens or updates the pull request of {@code session}'s branch (already pushed) against its base branch, then
     * answers the comments whose follow-ups this turn worked on. A pull request that was merged or closed meanwhile is
     * left as it is, and a new one is opened for the new commits (the session then links to it).
     *
     * @param summary what the session did so far: every turn's result and the tests the agent ran
     * @param files   the files changed from the base to the session branch
     * @param newCommits whether this turn pushed commits the branch did not have before
     * @return the pull request as recorded on the session
     * @throws GitHubException when GitHub refuses (with GitHub's message)
     */
    public PullRequest publish(Session session, SessionSummary summary, List<ChangedFile> files, boolean newCommits) {
        GitHubAccess access = integration.access(session.workspaceId()).orElseThrow(() -> new GitHubException(
                GitHubException.Kind.NOT_CONFIGURED, "GitHub is not connected for this workspace any more"));
        GitHubRepo repo = GitHubRepo.ofFullName(session.repo());
        PullRequest pr = openOrUpdate(access, repo, session, body(session, summary, files), newCommits);
        answerComments(access, session, pr, summary);
        return pr;
    }

    private PullRequest openOrUpdate(GitHubAccess access, GitHubRepo repo, Session session, String body, boolean newCommits) {
        if (session.pr() != null) {
            PullRequest current = access.pullRequest(repo, session.pr().number());
            if (current.isOpen()) {
                PullRequest updated = access.updatePullRequestBody(repo, current.number(), body);
                recorder.record(session.id(), updated, "updated");
                return updated;
            }
            recorder.record(session.id(), current, null);
            // why: new commits after a merge or close would otherwise sit on a branch no pull request shows
            if (!newCommits) {
                return current;
            }
        }
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

    /** The agent's text with each {@code @name} broken by a zero-width space, so quoting it notifies nobody on GitHub. */
    static String withoutMentions(String agentText) {
        return agentText.replaceAll("@(?=[A-Za-z0-9])", "@\u200B");
    }

    /** Replies in each review thread (or on the pull request) whose comment this turn answered, with the commit. */
    private void answerComments(GitHubAccess access, Session session, PullRequest pr, SessionSummary summary) {
        for (GitHubLoopStore.Reply reply : loop.pendingReplies(session.id())) {
            String commit = session.pushedCommit() == null ? null : pr.url().replaceAll("/pull/\\d+$", "") + "/commit/"
                    + session.pushedCommit();
            String last = summary.last();
            String text = (commit == null ? "Done." : "Done in " + commit + ".")
                    + (last == null ? "" : "\n\n" + withoutMentions(cut(last, 1000))) + "\n\n[Magnet session](" + publicUrl + "/sessions/"
                    + session.id() + ")";
            GitHubRepo repo = GitHubRepo.ofFullName(reply.repo());
            try {
                if (reply.commentId() != null) {
                    access.replyToReviewComment(repo, reply.prNumber(), reply.commentId(), text);
                } else {
                    access.comment(repo, reply.prNumber(), text);
                }
                loop.replied(reply.id());
                log.info("session {}: answered the comment on {}#{} ({})", session.id(), reply.repo(), reply.prNumber(),
                        reply.commentId() == null ? "on the pull request" : "in the thread of " + reply.commentId());
            } catch (GitHubException e) {
                log.warn("could not answer a comment on {}#{} for session {}: {}", reply.repo(), reply.prNumber(),
                        session.id(), e.getMessage());
            }
        }
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }

    private static java.util.Optional<PullRequest> existing(GitHubAccess access, GitHubRepo repo, String branch) {
        try {
            return access.openPullRequestFrom(repo, branch);
        } catch (GitHubException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The pull request body: every turn's result, the tests the agent ran and their outcome, the changed files,
     * {@code Closes #N} for the issue the session came from, and a link back to the session.
     */
    String body(Session session, SessionSummary summary, List<ChangedFile> files) {
        StringBuilder b = new StringBuilder();
        List<String> turns = summary.turns();
        if (turns.isEmpty()) {
            b.append("_The agent left no summary._\n\n");
        } else if (turns.size() == 1) {
            b.append(cut(turns.get(0), MAX_TURN_CHARS)).append("\n\n");
        } else {
            for (int i = 0; i < turns.size(); i++) {
                b.append("### Turn ").append(i + 1).append("\n\n").append(cut(turns.get(i), MAX_TURN_CHARS)).append("\n\n");
            }
        }
        if (!summary.tests().isEmpty()) {
            b.append("### Tests the agent ran\n\n");
            summary.tests().stream().limit(MAX_TESTS).forEach(t -> b.append("- ").append(t.passed() ? "✅ passed" : "❌ failed")
                    .append(": `").append(cut(t.command().replace('`', '\''), 200)).append("`\n"));
            b.append('\n');
        }
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
        loop.issueOf(session.id()).ifPresent(n -> b.append("\nCloses #").append(n).append('\n'));
        b.append("\n---\nOpened by [Magnet](").append(publicUrl).append("/sessions/").append(session.id())
                .append(") for ").append(session.author().name()).append(": session `").append(session.id()).append("`.\n");
        return b.toString();
    }
}
