package dev.magnet.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnet.json.Json;
import dev.magnet.session.Session;
import dev.magnet.session.SessionStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback for what webhooks would bring, for workspaces whose GitHub integration delivered no signed webhook for
 * {@link #WEBHOOKS_QUIET}: every interval it reads, per repository the integration reaches (at most {@value #MAX_REPOS}),
 * new issue comments ({@code GET /repos/…/issues/comments?since=}), new review comments ({@code /pulls/comments?since=}),
 * open issues with the trigger label ({@code /issues?labels=…&since=}, with who labelled them from the issue's events),
 * and the check runs of the head commit of every open pull request of a session ({@code /commits/{sha}/check-runs}),
 * and hands each to {@link GitHubTriggers} as the delivery GitHub would have sent. Where each feed stopped
 * ({@code since}, the ETag of its last answer) is kept in the database, so a restart neither misses nor repeats; what
 * both paths see is acted on once ({@link GitHubLoopStore#firstTime}). Calls go through the same rate-limit backoff
 * as every other GitHub call, an unchanged answer (304) costs none of the rate limit, and a poll that hits the limit
 * stops until the next interval.
 */
public final class GitHubEventPoller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GitHubEventPoller.class);
    /** A workspace whose webhooks delivered within this long is left to them. */
    static final Duration WEBHOOKS_QUIET = Duration.ofHours(1);
    /** The first poll of a repository acts on what happened this long before, not on its whole history. */
    static final Duration FIRST_LOOKBACK = Duration.ofHours(1);
    /** At most this many repositories per workspace and poll: three calls each, mostly answered 304. */
    static final int MAX_REPOS = 30;
    /** At most this many open pull requests' check runs per poll (two calls each); the next poll goes on after them. */
    static final int MAX_PULLS = 100;

    private final GitHubIntegration integration;
    private final GitHubLoopStore loop;
    private final SessionStore store;
    private final GitHubTriggers triggers;
    private final Clock clock;
    private final Duration interval;
    private final PollLoop polling;
    /** The id of the last session whose checks were read, where the next poll goes on; null: from the first. */
    private String checksCursor;

    /** @param interval how often to poll ({@code MAGNET_GITHUB_POLL_SECONDS}); zero leaves polling off */
    public GitHubEventPoller(GitHubIntegration integration, GitHubLoopStore loop, SessionStore store, GitHubTriggers triggers,
                             Clock clock, Duration interval) {
        this.integration = integration;
        this.loop = loop;
        this.store = store;
        this.triggers = triggers;
        this.clock = clock;
        this.interval = interval;
        this.polling = new PollLoop("github-event-poller", "polling GitHub for comments, labels and checks", interval, this::pollOnce);
    }

    /** Starts polling on a virtual thread; an interval of zero leaves polling off. */
    public void start() {
        polling.start();
    }

    /** Polls every quiet workspace once; returns how many sessions were started or sent a follow-up. */
    public synchronized int pollOnce() {
        int acted = 0;
        List<String> quiet = new ArrayList<>();
        for (String ws : loop.workspaces()) {
            if (integration.settings(ws).isPresent() && webhooksQuiet(ws)) {
                quiet.add(ws);
            }
        }
        try {
            for (String ws : quiet) {
                acted += pollWorkspace(ws);
            }
            acted += pollChecks(Set.copyOf(quiet));
        } catch (GitHubException e) {
            if (e.kind() != GitHubException.Kind.RATE_LIMITED) {
                throw e;
            }
            log.warn("GitHub rate limit reached while polling; going on in {} s: {}", interval.toSeconds(), e.getMessage());
        }
        return acted;
    }

    /** Whether no signed delivery for the workspace's integration arrived within {@link #WEBHOOKS_QUIET}. */
    private boolean webhooksQuiet(String workspaceId) {
        String source = integration.usesEnvironment(workspaceId) ? GitHubLoopStore.ENVIRONMENT_SOURCE : workspaceId;
        return loop.lastDelivery(source).map(at -> at.isBefore(clock.instant().minus(WEBHOOKS_QUIET))).orElse(true);
    }

    private int pollWorkspace(String ws) {
        Optional<GitHubAccess> access = integration.access(ws);
        Optional<GitHubAccess.Connection> reach;
        try {
            reach = integration.repositories(ws);
        } catch (GitHubException e) {
            log.warn("could not list the repositories of workspace {} to poll: {}", ws, e.getMessage());
            return 0;
        }
        if (access.isEmpty() || reach.isEmpty()) {
            return 0;
        }
        int acted = 0;
        for (GitHubAccess.Repository r : reach.get().repositories().stream().limit(MAX_REPOS).toList()) {
            if (!GitHubRepo.isFullName(r.fullName())) {
                continue;
            }
            GitHubRepo repo = GitHubRepo.ofFullName(r.fullName());
            Webhooks.Scope scope = new Webhooks.Scope(false, Set.of(ws));
            try {
                acted += issueComments(ws, access.get(), repo, scope);
                acted += reviewComments(ws, access.get(), repo, scope);
                acted += labelledIssues(ws, access.get(), repo, scope);
            } catch (GitHubException e) {
                if (e.kind() == GitHubException.Kind.RATE_LIMITED) {
                    throw e;
                }
                log.warn("could not poll {} for workspace {}: {}", repo, ws, e.getMessage());
            }
        }
        return acted;
    }

    /** New comments on the repository's issues and pull requests: those mentioning Magnet, as {@code issue_comment}. */
    private int issueComments(String ws, GitHubAccess access, GitHubRepo repo, Webhooks.Scope scope) {
        return feed(ws, access, repo, "issue_comments", "/issues/comments?sort=updated&direction=asc&per_page=100", (comment, since) -> {
            String body = comment.path("body").asText("");
            if (!createdSince(comment, since) || !triggers.mentions(body)) {
                return 0;
            }
            int number = numberAtEnd(comment.path("issue_url").asText(""));
            if (number <= 0) {
                return 0;
            }
            JsonNode issue;
            if (!store.everWithPullRequest(repo.fullName(), number).isEmpty()) {
                ObjectNode onPull = Json.MAPPER.createObjectNode().put("number", number);
                onPull.set("pull_request", Json.MAPPER.createObjectNode());
                issue = onPull;
            } else {
                issue = access.read(repo, "/issues/" + number, null).body();
            }
            ObjectNode payload = envelope("created", repo, comment.path("user"));
            payload.set("issue", issue);
            payload.set("comment", comment);
            return triggers.handle("issue_comment", payload, scope);
        });
    }

    /** New review comments on the repository's pull requests, as {@code pull_request_review_comment}. */
    private int reviewComments(String ws, GitHubAccess access, GitHubRepo repo, Webhooks.Scope scope) {
        return feed(ws, access, repo, "review_comments", "/pulls/comments?sort=updated&direction=asc&per_page=100", (comment, since) -> {
            int number = numberAtEnd(comment.path("pull_request_url").asText(""));
            if (!createdSince(comment, since) || number <= 0) {
                return 0;
            }
            ObjectNode payload = envelope("created", repo, comment.path("user"));
            payload.set("pull_request", Json.MAPPER.createObjectNode().put("number", number));
            payload.set("comment", comment);
            return triggers.handle("pull_request_review_comment", payload, scope);
        });
    }

    /** Open issues with the trigger label, labelled since the cursor, as {@code issues} {@code labeled} by who labelled them. */
    private int labelledIssues(String ws, GitHubAccess access, GitHubRepo repo, Webhooks.Scope scope) {
        String label = triggers.label();
        return feed(ws, access, repo, "labels", "/issues?state=open&sort=updated&direction=asc&per_page=100&labels="
                + URLEncoder.encode(label, StandardCharsets.UTF_8), (issue, since) -> {
            int number = issue.path("number").asInt();
            if (number <= 0 || issue.has("pull_request") || loop.hasSessionForIssue(ws, repo.fullName(), number)) {
                return 0;
            }
            JsonNode labelled = null;
            for (JsonNode event : access.read(repo, "/issues/" + number + "/events?per_page=100", null).body()) {
                if ("labeled".equals(event.path("event").asText()) && label.equalsIgnoreCase(event.path("label").path("name").asText())) {
                    labelled = event;
                }
            }
            if (labelled == null || !createdSince(labelled, since)) {
                return 0;
            }
            ObjectNode payload = envelope("labeled", repo, labelled.path("actor"));
            payload.set("issue", issue);
            payload.set("label", Json.MAPPER.createObjectNode().put("name", label));
            return triggers.handle("issues", payload, scope);
        });
    }

    /** What to do with one item of a feed, given the {@code since} it was read with; returns how many sessions it moved. */
    @FunctionalInterface
    private interface Item {
        int handle(JsonNode item, Instant since);
    }

    /**
     * Reads one {@code since} feed of a repository from its cursor (the first time {@link #FIRST_LOOKBACK} back), hands
     * each item to {@code item} oldest first, and then moves the cursor to the newest {@code updated_at} read.
     */
    private int feed(String ws, GitHubAccess access, GitHubRepo repo, String name, String path, Item item) {
        Optional<GitHubLoopStore.Cursor> cursor = loop.cursor(ws, repo.fullName(), name);
        Instant since = cursor.map(GitHubLoopStore.Cursor::since).orElse(clock.instant().minus(FIRST_LOOKBACK));
        GitHubCalls.Answer answer = access.read(repo, path + "&since=" + URLEncoder.encode(since.toString(), StandardCharsets.UTF_8),
                cursor.map(GitHubLoopStore.Cursor::etag).orElse(null));
        if (answer.notModified()) {
            return 0;
        }
        int acted = 0;
        Instant newest = since;
        for (JsonNode entry : answer.body()) {
            acted += item.handle(entry, since);
            Instant updated = time(entry, "updated_at");
            if (updated != null && updated.isAfter(newest)) {
                newest = updated;
            }
        }
        // why: saved after the items were handled: a crash in between reads them again, and the seen ids stop a repeat
        loop.saveCursor(ws, repo.fullName(), name, new GitHubLoopStore.Cursor(newest, answer.etag()));
        return acted;
    }

    /** The check runs of the head commit of open pull requests of sessions in {@code workspaces}, as {@code check_run}. */
    private int pollChecks(Set<String> workspaces) {
        if (workspaces.isEmpty()) {
            return 0;
        }
        int acted = 0;
        List<Session> batch = store.withOpenPullRequests(checksCursor, MAX_PULLS);
        checksCursor = batch.size() < MAX_PULLS ? null : batch.get(batch.size() - 1).id();
        for (Session s : batch) {
            if (!workspaces.contains(s.workspaceId()) || !GitHubRepo.isFullName(s.repo())) {
                continue;
            }
            Optional<GitHubAccess> access = integration.access(s.workspaceId());
            if (access.isEmpty()) {
                continue;
            }
            GitHubRepo repo = GitHubRepo.ofFullName(s.repo());
            int number = s.pr().number();
            try {
                String sha = access.get().read(repo, "/pulls/" + number, null).body().path("head").path("sha").asText("");
                if (sha.isBlank()) {
                    continue;
                }
                String feed = "checks:" + s.id();
                Optional<GitHubLoopStore.Cursor> cursor = loop.cursor(s.workspaceId(), s.repo(), feed);
                GitHubCalls.Answer answer = access.get().read(repo, "/commits/" + sha + "/check-runs?per_page=100",
                        cursor.map(GitHubLoopStore.Cursor::etag).orElse(null));
                if (answer.notModified()) {
                    continue;
                }
                for (JsonNode run : answer.body().path("check_runs")) {
                    ObjectNode withPull = run.deepCopy();
                    withPull.set("pull_requests", Json.MAPPER.createArrayNode().add(Json.MAPPER.createObjectNode().put("number", number)));
                    ObjectNode payload = Json.MAPPER.createObjectNode().put("action", run.path("status").asText("completed"));
                    payload.set("repository", Json.MAPPER.createObjectNode().put("full_name", repo.fullName()));
                    payload.set("check_run", withPull);
                    acted += triggers.handle("check_run", payload, new Webhooks.Scope(false, Set.of(s.workspaceId())));
                }
                loop.saveCursor(s.workspaceId(), s.repo(), feed, new GitHubLoopStore.Cursor(null, answer.etag()));
            } catch (GitHubException e) {
                if (e.kind() == GitHubException.Kind.RATE_LIMITED) {
                    throw e;
                }
                log.warn("could not read the check runs of {}#{} for session {}: {}", repo, number, s.id(), e.getMessage());
            }
        }
        return acted;
    }

    private static ObjectNode envelope(String action, GitHubRepo repo, JsonNode sender) {
        ObjectNode p = Json.MAPPER.createObjectNode().put("action", action);
        p.set("repository", Json.MAPPER.createObjectNode().put("full_name", repo.fullName()));
        p.set("sender", sender == null || sender.isMissingNode() ? Json.MAPPER.createObjectNode() : sender);
        return p;
    }

    /**
     * Whether the item was made at or after {@code since}: an older one that shows up only because it was edited was
     * seen when it was made (or before Magnet watched), and a webhook would not have acted on the edit either.
     */
    private static boolean createdSince(JsonNode item, Instant since) {
        Instant created = time(item, "created_at");
        return created != null && !created.isBefore(since);
    }

    private static Instant time(JsonNode item, String field) {
        try {
            return item.hasNonNull(field) ? Instant.parse(item.path(field).asText()) : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The number at the end of an API URL such as {@code …/issues/12} or {@code …/pulls/7}; 0 without one. */
    static int numberAtEnd(String url) {
        int slash = url.lastIndexOf('/');
        try {
            return slash < 0 ? 0 : Integer.parseInt(url.substring(slash + 1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        polling.close();
    }
}
