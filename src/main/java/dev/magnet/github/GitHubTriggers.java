package dev.magnet.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.auth.Actor;
import dev.magnet.auth.AuditLog;
import dev.magnet.config.GitHubLoopSettings;
import dev.magnet.session.NewSession;
import dev.magnet.session.Session;
import dev.magnet.session.SessionService;
import dev.magnet.session.SessionStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What GitHub says to Magnet besides pull request states, through the signed webhooks: a review comment, or a comment
 * that mentions Magnet ({@code @magnet}), on a session's pull request becomes a follow-up in that session (with the
 * file, line and diff hunk), answered in its thread when the turn ends; an issue labelled {@code magnet}, or a comment
 * {@code @magnet <prompt>} on an issue, starts a session on the repository, and Magnet comments the session's link.
 * Only a GitHub login an admin linked to a member of the workspace triggers anything, acting as that member; anyone
 * else is ignored, and the audit log says so.
 */
public final class GitHubTriggers {
    private static final Logger log = LoggerFactory.getLogger(GitHubTriggers.class);
    private static final int MAX_TITLE = 200;

    private final GitHubIntegration integration;
    private final GitHubLoopStore loop;
    private final SessionStore store;
    private final SessionService sessions;
    private final AuditLog audit;
    private final GitHubLoopSettings settings;
    private final String publicUrl;
    private final Pattern mention;

    public GitHubTriggers(GitHubIntegration integration, GitHubLoopStore loop, SessionStore store, SessionService sessions,
                          AuditLog audit, GitHubLoopSettings settings, String publicUrl) {
        this.integration = integration;
        this.loop = loop;
        this.store = store;
        this.sessions = sessions;
        this.audit = audit;
        this.settings = settings;
        this.publicUrl = publicUrl.replaceAll("/+$", "");
        this.mention = Pattern.compile("(?i)(?<![\\w@])" + Pattern.quote(settings.mention()) + "(?![\\w-])");
    }

    /** Handles one verified delivery of {@code event}; returns how many sessions it started or sent a message to. */
    int handle(String event, JsonNode payload, Webhooks.Scope scope) {
        String action = payload.path("action").asText();
        String repo = payload.path("repository").path("full_name").asText("");
        JsonNode sender = payload.path("sender");
        if (!GitHubRepo.isFullName(repo)) {
            return 0;
        }
        if ("check_run".equals(event)) {
            return checkRun(scope, repo, payload.path("check_run"));
        }
        if ("Bot".equals(sender.path("type").asText())
                || payload.path("comment").path("body").asText("").contains(GitHubAccess.POSTED_BY_MAGNET)) {
            // why: with a personal token Magnet's own comments come from a User, maybe a linked one; they quote the
            // agent's text, and an agent that wrote "@magnet …" would otherwise steer (or restart) itself
            return 0;
        }
        String login = sender.path("login").asText("");
        JsonNode issue = payload.path("issue");
        return switch (event == null ? "" : event) {
            case "issues" -> "labeled".equals(action) && settings.label().equalsIgnoreCase(payload.path("label").path("name").asText())
                    && !issue.has("pull_request") ? startFromIssue(scope, repo, login, issue, null) : 0;
            case "issue_comment" -> {
                String text = payload.path("comment").path("body").asText("");
                if (!"created".equals(action) || !mention.matcher(text).find()) {
                    yield 0;
                }
                yield issue.has("pull_request")
                        ? followUp(scope, repo, issue.path("number").asInt(), login, null, "@" + login + " commented on the pull request:\n\n"
                                + text.strip())
                        : startFromIssue(scope, repo, login, issue, withoutMention(text));
            }
            case "pull_request_review_comment" -> {
                JsonNode c = payload.path("comment");
                if (!"created".equals(action)) {
                    yield 0;
                }
                yield followUp(scope, repo, payload.path("pull_request").path("number").asInt(), login, c.path("id").asLong(),
                        reviewMessage(login, c));
            }
            default -> 0;
        };
    }

    private int startFromIssue(Webhooks.Scope scope, String repo, String login, JsonNode issue, String comment) {
        int number = issue.path("number").asInt();
        if (number <= 0) {
            return 0;
        }
        Optional<Actor> actor = memberIn(scope, login);
        if (actor.isEmpty()) {
            ignored(scope, repo, number, login, comment == null ? "labelled issue" : "comment");
            return 0;
        }
        // why: per workspace: another workspace's session for the same issue (one its admin could start with a delivery
        // signed by its own secret) must not stop this one's
        if (comment == null && loop.hasSessionForIssue(actor.get().workspaceId(), repo, number)) {
            return 0;
        }
        String title = issue.path("title").asText("Issue #" + number);
        StringBuilder prompt = new StringBuilder("Work on GitHub issue #").append(number).append(" of ").append(repo)
                .append(": ").append(title).append("\n\n").append(issue.path("body").asText("").strip());
        if (comment != null && !comment.isBlank()) {
            prompt.append("\n\n@").append(login).append(" asked: ").append(comment.strip());
        }
        Session s = sessions.create(actor.get(), new NewSession(prompt.toString().strip(),
                title.length() > MAX_TITLE ? title.substring(0, MAX_TITLE) : title, repo, null, null, null));
        loop.startedFromIssue(s.id(), repo, number);
        integration.access(s.workspaceId()).ifPresent(access -> {
            try {
                access.comment(GitHubRepo.ofFullName(repo), number, "Magnet started a session for this issue for @" + login
                        + ": " + publicUrl + "/sessions/" + s.id() + "\n\nIts pull request will close this issue.");
            } catch (GitHubException e) {
                log.warn("could not comment on #{} of {}: {}", number, repo, e.getMessage());
            }
        });
        return 1;
    }

    private int followUp(Webhooks.Scope scope, String repo, int pr, String login, Long commentId, String text) {
        int sent = 0;
        for (Session s : store.withPullRequest(repo, pr)) {
            if (!scope.covers(s.workspaceId(), integration)) {
                continue;
            }
            Optional<Actor> actor = loop.member(s.workspaceId(), login);
            if (actor.isEmpty()) {
                audit.record(unlinked(s.workspaceId(), login), "github.trigger_ignored", "session", s.id(),
                        "comment by @" + login + " on " + repo + "#" + pr + ": not linked to a member of this workspace");
                continue;
            }
            try {
                sessions.followUp(actor.get(), s.id(), text);
                loop.replyLater(s.id(), repo, pr, commentId);
                log.info("comment by @{} on {}#{} sent to session {} as a follow-up", login, repo, pr, s.id());
                sent++;
            } catch (RuntimeException e) {
                log.warn("comment by @{} on {}#{} not sent to session {}: {}", login, repo, pr, s.id(), e.getMessage());
            }
        }
        return sent;
    }

    /**
     * Keeps a check run's status on the sessions whose pull request it ran on; a failed one becomes a follow-up (as the
     * session's author) when the operator allows it, at most {@code maxCheckFollowUps} times per session.
     */
    private int checkRun(Webhooks.Scope scope, String repo, JsonNode run) {
        String name = run.path("name").asText("");
        if (name.isBlank()) {
            return 0;
        }
        int sent = 0;
        for (JsonNode pull : run.path("pull_requests")) {
            for (Session s : store.withPullRequest(repo, pull.path("number").asInt())) {
                if (!scope.covers(s.workspaceId(), integration)) {
                    continue;
                }
                String conclusion = run.path("conclusion").isNull() ? null : run.path("conclusion").asText(null);
                loop.recordCheckRun(s.id(), new GitHubLoopStore.CheckRun(name, run.path("status").asText("completed"), conclusion,
                        run.path("html_url").asText(null), run.path("head_sha").asText(null), store.clock().instant()));
                boolean failed = "failure".equals(conclusion) || "timed_out".equals(conclusion);
                if (failed && settings.maxCheckFollowUps() > 0 && s.status() != dev.magnet.session.Status.FAILED
                        && loop.takeCheckFollowUp(s.id(), settings.maxCheckFollowUps())) {
                    Actor author = new Actor(s.author().id(), s.author().name(), s.author().email(), s.workspaceId(), "member");
                    JsonNode output = run.path("output");
                    String text = "The check \"" + name + "\" failed on the pull request #" + pull.path("number").asInt()
                            + (output.path("title").asText("").isBlank() ? "" : ": " + output.path("title").asText())
                            + "\n\n" + cut(output.path("summary").asText("").strip(), 4000)
                            + "\n\nFind the cause and fix it.";
                    try {
                        sessions.followUp(author, s.id(), text.strip());
                        sent++;
                    } catch (RuntimeException e) {
                        log.warn("failed check {} not sent to session {}: {}", name, s.id(), e.getMessage());
                    }
                }
            }
        }
        return sent;
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }

    /** The first workspace in the delivery's scope where {@code login} is linked to a member. */
    private Optional<Actor> memberIn(Webhooks.Scope scope, String login) {
        for (String ws : scope.candidates(integration)) {
            Optional<Actor> actor = loop.member(ws, login);
            if (actor.isPresent()) {
                return actor;
            }
        }
        for (String ws : loop.workspacesLinking(login)) {
            if (scope.covers(ws, integration)) {
                return loop.member(ws, login);
            }
        }
        return Optional.empty();
    }

    private void ignored(Webhooks.Scope scope, String repo, int number, String login, String what) {
        List<String> workspaces = new ArrayList<>(scope.candidates(integration));
        if (workspaces.isEmpty()) {
            integration.firstWorkspace().ifPresent(workspaces::add);
        }
        for (String ws : workspaces) {
            audit.record(unlinked(ws, login), "github.trigger_ignored", "github", repo + "#" + number,
                    what + " by @" + login + ": not linked to a member of this workspace, so no session was started");
        }
        log.info("GitHub {} by @{} on {}#{} ignored: the login is not linked to a member", what, login, repo, number);
    }

    private static Actor unlinked(String workspaceId, String login) {
        return new Actor(null, "github:" + login, null, workspaceId, null);
    }

    private String withoutMention(String text) {
        Matcher m = mention.matcher(text);
        return m.find() ? text.substring(m.end()).strip() : text.strip();
    }

    /** A review comment as a follow-up: who, the file and line it is on, the diff hunk, and what it says. */
    static String reviewMessage(String login, JsonNode c) {
        StringBuilder b = new StringBuilder("@").append(login).append(" commented in the review of the pull request on `")
                .append(c.path("path").asText()).append('`');
        JsonNode line = c.hasNonNull("line") ? c.path("line") : c.path("original_line");
        if (!line.isMissingNode() && !line.isNull()) {
            b.append(", line ").append(line.asInt());
        }
        b.append(":\n\n").append(c.path("body").asText("").strip());
        String hunk = c.path("diff_hunk").asText("");
        if (!hunk.isBlank()) {
            b.append("\n\nThe diff hunk it refers to:\n```diff\n").append(hunk.strip()).append("\n```");
        }
        return b.toString();
    }
}
