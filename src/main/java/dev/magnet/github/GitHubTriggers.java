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
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What GitHub says to Magnet besides pull request states, through the signed webhooks: a review comment, or a comment
 * that mentions Magnet ({@code @magnet}), on a session's pull request becomes a follow-up in that session (with the
 * file, line and diff hunk), answered in its thread when the turn ends; an issue labelled {@code magnet}, or a comment
 * {@code @magnet <prompt>} on an issue, starts a session on the repository, and Magnet comments the session's link.
 * Only a GitHub login an admin linked to a member of the workspace triggers anything, acting as that member; a bot or
 * automation (GitHub's {@code type} {@code Bot}, or the account of the integration's own token, known by its id) acts as
 * the workspace's integration user when an admin named one; anyone else is ignored, and the audit log says so. The same
 * comment, labelled issue or check run reaches this class from a webhook delivery and from the poller
 * ({@link GitHubEventPoller}); each is acted on once, by GitHub's id.
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
    private final ToIntFunction<Session> checkFollowUps;

    /**
     * @param checkFollowUps how many failed check runs of a pull request become follow-ups in the session (its
     *                       environment's setting, else the server's {@code MAGNET_GITHUB_CHECK_FOLLOW_UPS}); 0: none
     */
    public GitHubTriggers(GitHubIntegration integration, GitHubLoopStore loop, SessionStore store, SessionService sessions,
                          AuditLog audit, GitHubLoopSettings settings, String publicUrl, ToIntFunction<Session> checkFollowUps) {
        this.checkFollowUps = checkFollowUps;
        this.integration = integration;
        this.loop = loop;
        this.store = store;
        this.sessions = sessions;
        this.audit = audit;
        this.settings = settings;
        this.publicUrl = publicUrl.replaceAll("/+$", "");
        this.mention = Pattern.compile("(?i)(?<![\\w@])" + Pattern.quote(settings.mention()) + "(?![\\w-])");
    }

    /** Notes that a verified delivery arrived for the scope: the poller leaves its workspaces to the webhooks for a while. */
    void heard(Webhooks.Scope scope) {
        if (scope.environment()) {
            loop.deliveryArrived(GitHubLoopStore.ENVIRONMENT_SOURCE);
        }
        scope.workspaces().forEach(loop::deliveryArrived);
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
        if (payload.path("comment").path("body").asText("").contains(GitHubAccess.POSTED_BY_MAGNET)) {
            // why: with a personal token Magnet's own comments come from a User, maybe a linked one; they quote the
            // agent's text, and an agent that wrote "@magnet …" would otherwise steer (or restart) itself
            return 0;
        }
        String login = sender.path("login").asText("");
        JsonNode issue = payload.path("issue");
        return switch (event == null ? "" : event) {
            case "issues" -> "labeled".equals(action) && settings.label().equalsIgnoreCase(payload.path("label").path("name").asText())
                    && !issue.has("pull_request") ? startFromIssue(scope, repo, sender, issue, null, null) : 0;
            case "issue_comment" -> {
                String text = payload.path("comment").path("body").asText("");
                if (!"created".equals(action) || !mention.matcher(text).find()) {
                    yield 0;
                }
                long commentId = payload.path("comment").path("id").asLong();
                yield issue.has("pull_request")
                        ? followUp(scope, repo, issue.path("number").asInt(), sender, GitHubLoopStore.Seen.ISSUE_COMMENT, commentId, null,
                                "@" + login + " commented on the pull request:\n\n" + text.strip())
                        : startFromIssue(scope, repo, sender, issue, withoutMention(text), commentId);
            }
            case "pull_request_review_comment" -> {
                JsonNode c = payload.path("comment");
                if (!"created".equals(action)) {
                    yield 0;
                }
                yield followUp(scope, repo, payload.path("pull_request").path("number").asInt(), sender,
                        GitHubLoopStore.Seen.REVIEW_COMMENT, c.path("id").asLong(), c.path("id").asLong(), reviewMessage(login, c));
            }
            default -> 0;
        };
    }

    private int startFromIssue(Webhooks.Scope scope, String repo, JsonNode sender, JsonNode issue, String comment, Long commentId) {
        int number = issue.path("number").asInt();
        if (number <= 0) {
            return 0;
        }
        String login = sender.path("login").asText("");
        Optional<Actor> actor = actorIn(scope, sender);
        if (actor.isEmpty()) {
            String what = (comment == null ? "labelled issue" : "comment") + (isAutomation(sender, null) ? " (a bot)" : "");
            ignored(scope, repo, number, login, what, comment == null ? GitHubLoopStore.Seen.LABELLED_ISSUE
                    : GitHubLoopStore.Seen.ISSUE_COMMENT, comment == null ? repo.toLowerCase(java.util.Locale.ROOT) + "#" + number
                    : Long.toString(commentId));
            return 0;
        }
        String workspace = actor.get().workspaceId();
        // why: per workspace: another workspace's session for the same issue (one its admin could start with a delivery
        // signed by its own secret) must not stop this one's
        if (comment == null && loop.hasSessionForIssue(workspace, repo, number)) {
            return 0;
        }
        // why: the webhook and the poller may both bring it; GitHub's id says it is the same comment or label
        boolean first = comment == null
                ? loop.firstTime(workspace, GitHubLoopStore.Seen.LABELLED_ISSUE, repo.toLowerCase(java.util.Locale.ROOT) + "#" + number)
                : commentId == null || commentId <= 0 || loop.firstTime(workspace, GitHubLoopStore.Seen.ISSUE_COMMENT, Long.toString(commentId));
        if (!first) {
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

    private int followUp(Webhooks.Scope scope, String repo, int pr, JsonNode sender, GitHubLoopStore.Seen kind, long githubId,
                         Long replyTo, String text) {
        String login = sender.path("login").asText("");
        int sent = 0;
        // why: every pull request the session ever had: a comment on one merged or closed before a follow-up opened the
        // next still reaches it
        for (Session s : store.everWithPullRequest(repo, pr)) {
            if (!scope.covers(s.workspaceId(), integration)) {
                continue;
            }
            if (githubId > 0 && !loop.firstTime(s.workspaceId(), kind, githubId + "@" + s.id())) {
                continue;
            }
            Optional<Actor> actor = actorFor(s.workspaceId(), sender);
            if (actor.isEmpty()) {
                audit.record(unlinked(s.workspaceId(), login), "github.trigger_ignored", "session", s.id(),
                        "comment by @" + login + " on " + repo + "#" + pr + ": " + (isAutomation(sender, s.workspaceId())
                                ? "a bot, and this workspace names no integration user" : "not linked to a member of this workspace"));
                continue;
            }
            try {
                sessions.followUp(actor.get(), s.id(), text);
                loop.replyLater(s.id(), repo, pr, replyTo);
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
     * session's author) when the session's environment allows it, at most that many times per pull request, each run
     * once (by its id) whether the webhook or the poller reports it.
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
                int max = checkFollowUps.applyAsInt(s);
                int number = pull.path("number").asInt();
                String runId = run.path("id").asLong() > 0 ? Long.toString(run.path("id").asLong())
                        : name + "@" + run.path("head_sha").asText("");
                if (failed && max > 0 && s.status() != dev.magnet.session.Status.FAILED
                        && loop.firstTime(s.workspaceId(), GitHubLoopStore.Seen.CHECK_RUN, runId + "@" + s.id())
                        && loop.takeCheckFollowUp(s.id(), number, max)) {
                    Actor author = new Actor(s.author().id(), s.author().name(), s.author().email(), s.workspaceId(), "member");
                    JsonNode output = run.path("output");
                    String text = "The check \"" + name + "\" failed on the pull request #" + number
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

    /**
     * Who a trigger by {@code sender} acts as in the delivery's scope: the member the login is linked to in the first
     * workspace that links it, else, for a bot or automation, the integration user of the first workspace that names one.
     */
    private Optional<Actor> actorIn(Webhooks.Scope scope, JsonNode sender) {
        String login = sender.path("login").asText("");
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
        for (String ws : loop.workspacesWithIntegrationUser()) {
            if (scope.covers(ws, integration) && isAutomation(sender, ws)) {
                Optional<Actor> actor = loop.integrationUser(ws);
                if (actor.isPresent()) {
                    return actor;
                }
            }
        }
        return Optional.empty();
    }

    /** Who a trigger by {@code sender} acts as in one workspace (see {@link #actorIn}). */
    private Optional<Actor> actorFor(String workspaceId, JsonNode sender) {
        Optional<Actor> member = loop.member(workspaceId, sender.path("login").asText(""));
        if (member.isPresent()) {
            return member;
        }
        return isAutomation(sender, workspaceId) ? loop.integrationUser(workspaceId) : Optional.empty();
    }

    /**
     * Whether GitHub says the sender is not a person: its {@code type} is {@code Bot} (an App's bot, GitHub Actions,
     * Dependabot), or, with a personal token, it is the token's own account (by its numeric id). Never by the login's
     * text: a person may call themselves anything a bot is called, but GitHub sets {@code type} and {@code id}.
     */
    boolean isAutomation(JsonNode sender, String workspaceId) {
        if ("Bot".equals(sender.path("type").asText())) {
            return true;
        }
        long id = sender.path("id").asLong(0);
        if (id <= 0 || workspaceId == null) {
            return false;
        }
        try {
            return integration.access(workspaceId).flatMap(GitHubAccess::tokenAccountId).map(own -> own == id).orElse(false);
        } catch (GitHubException e) {
            log.warn("could not read the account of the GitHub token of workspace {}: {}", workspaceId, e.getMessage());
            return false;
        }
    }

    /** Whether {@code text} mentions Magnet ({@code MAGNET_GITHUB_MENTION}). */
    boolean mentions(String text) {
        return mention.matcher(text).find();
    }

    /** The label that starts a session ({@code MAGNET_GITHUB_LABEL}). */
    String label() {
        return settings.label();
    }

    private void ignored(Webhooks.Scope scope, String repo, int number, String login, String what, GitHubLoopStore.Seen kind,
                         String githubId) {
        List<String> workspaces = new ArrayList<>(scope.candidates(integration));
        if (workspaces.isEmpty()) {
            integration.firstWorkspace().ifPresent(workspaces::add);
        }
        for (String ws : workspaces) {
            // why: said once, though the webhook and the poller may both bring it
            if (loop.firstTime(ws, kind, "ignored:" + githubId)) {
                audit.record(unlinked(ws, login), "github.trigger_ignored", "github", repo + "#" + number,
                        what + " by @" + login + ": not linked to a member of this workspace, so no session was started");
            }
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
