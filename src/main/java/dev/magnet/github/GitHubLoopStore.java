package dev.magnet.github;

import dev.magnet.auth.Actor;
import dev.magnet.store.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The tables of the conversation with GitHub: logins linked to members, the issue a session was started from, the
 * review threads to answer when a turn ends, and the check runs of sessions' pull requests.
 */
public final class GitHubLoopStore {
    private final Jdbi jdbi;
    private final Clock clock;

    public GitHubLoopStore(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** A GitHub login linked to a member of a workspace. */
    public record Link(String login, String userId, String userName, Instant createdAt) {
    }

    public List<Link> links(String workspaceId) {
        return jdbi.withHandle(h -> h.createQuery("select l.login, l.user_id, u.name, l.created_at from github_links l"
                        + " join users u on u.id = l.user_id where l.workspace_id = :ws order by l.login")
                .bind("ws", workspaceId)
                .map((rs, ctx) -> new Link(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant()))
                .list());
    }

    /** Links {@code login} to {@code userId} (a member of the workspace), replacing an earlier link of the login. */
    public void link(String workspaceId, String login, String userId) {
        jdbi.useTransaction(h -> {
            h.createUpdate("delete from github_links where workspace_id = :ws and login = :login")
                    .bind("ws", workspaceId).bind("login", normal(login)).execute();
            h.createUpdate("insert into github_links (workspace_id, login, user_id, created_at) values (:ws, :login, :user, :at)")
                    .bind("ws", workspaceId).bind("login", normal(login)).bind("user", userId).bind("at", clock.instant()).execute();
        });
    }

    public boolean unlink(String workspaceId, String login) {
        return jdbi.withHandle(h -> h.createUpdate("delete from github_links where workspace_id = :ws and login = :login")
                .bind("ws", workspaceId).bind("login", normal(login)).execute() > 0);
    }

    /** The member {@code login} is linked to in the workspace, as the actor a GitHub trigger acts as. */
    public Optional<Actor> member(String workspaceId, String login) {
        if (login == null || login.isBlank()) {
            return Optional.empty();
        }
        return jdbi.withHandle(h -> h.createQuery("""
                        select u.id, u.name, u.email, m.role from github_links l
                        join users u on u.id = l.user_id
                        join memberships m on m.user_id = l.user_id and m.workspace_id = l.workspace_id
                        where l.workspace_id = :ws and l.login = :login
                        """)
                .bind("ws", workspaceId).bind("login", normal(login))
                .map((rs, ctx) -> new Actor(rs.getString(1), rs.getString(2), rs.getString(3), workspaceId, rs.getString(4)))
                .findOne());
    }

    /** The workspaces where {@code login} is linked to a member. */
    public List<String> workspacesLinking(String login) {
        return jdbi.withHandle(h -> h.createQuery("select workspace_id from github_links where login = :login order by workspace_id")
                .bind("login", normal(login)).mapTo(String.class).list());
    }

    public void startedFromIssue(String sessionId, String repo, int issue) {
        jdbi.useHandle(h -> h.createUpdate("insert into github_issue_sessions (session_id, repo, issue_number) values (:s, :r, :n)")
                .bind("s", sessionId).bind("r", repo).bind("n", issue).execute());
    }

    /** The issue the session was started from, if it was. */
    public Optional<Integer> issueOf(String sessionId) {
        return jdbi.withHandle(h -> h.createQuery("select issue_number from github_issue_sessions where session_id = :s")
                .bind("s", sessionId).mapTo(Integer.class).findOne());
    }

    /** Whether the workspace already started a session from this issue (a label applied again starts no second one). */
    public boolean hasSessionForIssue(String workspaceId, String repo, int issue) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select count(*) from github_issue_sessions i join sessions s on s.id = i.session_id
                        where s.workspace_id = :w and i.repo = :r and i.issue_number = :n""")
                .bind("w", workspaceId).bind("r", repo).bind("n", issue).mapTo(Integer.class).one() > 0);
    }

    /** A comment to answer when the session's turn ends: a review comment's thread, or (null) the pull request itself. */
    public record Reply(String id, String repo, int prNumber, Long commentId) {
    }

    public void replyLater(String sessionId, String repo, int prNumber, Long commentId) {
        jdbi.useHandle(h -> h.createUpdate("insert into github_replies (id, session_id, repo, pr_number, comment_id, created_at)"
                        + " values (:id, :s, :r, :n, :c, :at)")
                .bind("id", Ids.newId()).bind("s", sessionId).bind("r", repo).bind("n", prNumber).bind("c", commentId)
                .bind("at", clock.instant()).execute());
    }

    public List<Reply> pendingReplies(String sessionId) {
        return jdbi.withHandle(h -> h.createQuery("select id, repo, pr_number, comment_id from github_replies"
                        + " where session_id = :s and replied_at is null order by id")
                .bind("s", sessionId)
                .map((rs, ctx) -> {
                    long c = rs.getLong(4);
                    Long commentId = rs.wasNull() ? null : c;
                    return new Reply(rs.getString(1), rs.getString(2), rs.getInt(3), commentId);
                })
                .list());
    }

    public void replied(String replyId) {
        jdbi.useHandle(h -> h.createUpdate("update github_replies set replied_at = :at where id = :id")
                .bind("at", clock.instant()).bind("id", replyId).execute());
    }

    /** A check run on the session's pull request, as last reported. */
    public record CheckRun(String name, String status, String conclusion, String url, String headSha, Instant updatedAt) {
    }

    public void recordCheckRun(String sessionId, CheckRun run) {
        jdbi.useTransaction(h -> {
            h.createUpdate("delete from github_check_runs where session_id = :s and name = :n")
                    .bind("s", sessionId).bind("n", run.name()).execute();
            h.createUpdate("""
                            insert into github_check_runs (session_id, name, status, conclusion, url, head_sha, updated_at)
                            values (:s, :n, :status, :conclusion, :url, :sha, :at)
                            """)
                    .bind("s", sessionId).bind("n", run.name()).bind("status", run.status()).bind("conclusion", run.conclusion())
                    .bind("url", run.url()).bind("sha", run.headSha()).bind("at", run.updatedAt()).execute();
        });
    }

    /**
     * Counts one more follow-up from a failed check of pull request {@code prNumber} of the session, unless {@code max}
     * were sent for that pull request already; false then.
     */
    public boolean takeCheckFollowUp(String sessionId, int prNumber, int max) {
        if (max <= 0) {
            return false;
        }
        try {
            return jdbi.inTransaction(h -> {
                int rows = h.createUpdate("update github_check_follow_ups set sent = sent + 1"
                                + " where session_id = :s and pr_number = :n and sent < :max")
                        .bind("s", sessionId).bind("n", prNumber).bind("max", max).execute();
                if (rows == 1) {
                    return true;
                }
                boolean counted = h.createQuery("select count(*) from github_check_follow_ups where session_id = :s and pr_number = :n")
                        .bind("s", sessionId).bind("n", prNumber).mapTo(Integer.class).one() > 0;
                if (counted) {
                    return false;
                }
                h.createUpdate("insert into github_check_follow_ups (session_id, pr_number, sent) values (:s, :n, 1)")
                        .bind("s", sessionId).bind("n", prNumber).execute();
                return true;
            });
        } catch (RuntimeException e) {
            // why: a webhook and the poller may count the first one at once; the primary key lets one of them win
            return false;
        }
    }

    /** What a workspace acts on once, by GitHub's id, whichever of the webhook and the poller sees it first. */
    public enum Seen {
        ISSUE_COMMENT, REVIEW_COMMENT, CHECK_RUN, LABELLED_ISSUE;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Claims {@code githubId} of {@code kind} for the workspace: true the first time, false when the webhook or the poller
     * claimed it before (then nothing should be done again).
     */
    public boolean firstTime(String workspaceId, Seen kind, String githubId) {
        String id = githubId.length() > 300 ? githubId.substring(0, 300) : githubId;
        try {
            return jdbi.inTransaction(h -> {
                boolean seen = h.createQuery("select count(*) from github_seen where workspace_id = :ws and kind = :k and github_id = :id")
                        .bind("ws", workspaceId).bind("k", kind.wire()).bind("id", id).mapTo(Integer.class).one() > 0;
                if (seen) {
                    return false;
                }
                h.createUpdate("insert into github_seen (workspace_id, kind, github_id, seen_at) values (:ws, :k, :id, :at)")
                        .bind("ws", workspaceId).bind("k", kind.wire()).bind("id", id).bind("at", clock.instant()).execute();
                return true;
            });
        } catch (RuntimeException e) {
            // why: the webhook and the poller (or two replicas) may claim it at once; the primary key lets one of them win
            return false;
        }
    }

    /** Where the poller goes on in one feed of a repository: GitHub's {@code since} and the ETag of the last answer. */
    public record Cursor(Instant since, String etag) {
    }

    public Optional<Cursor> cursor(String workspaceId, String repo, String feed) {
        return jdbi.withHandle(h -> h.createQuery("select since, etag from github_poll_cursors where workspace_id = :ws and repo = :r"
                        + " and feed = :f")
                .bind("ws", workspaceId).bind("r", repo).bind("f", feed)
                .map((rs, ctx) -> new Cursor(rs.getTimestamp(1) == null ? null : rs.getTimestamp(1).toInstant(), rs.getString(2)))
                .findOne());
    }

    public void saveCursor(String workspaceId, String repo, String feed, Cursor cursor) {
        jdbi.useTransaction(h -> {
            h.createUpdate("delete from github_poll_cursors where workspace_id = :ws and repo = :r and feed = :f")
                    .bind("ws", workspaceId).bind("r", repo).bind("f", feed).execute();
            h.createUpdate("insert into github_poll_cursors (workspace_id, repo, feed, since, etag, updated_at)"
                            + " values (:ws, :r, :f, :since, :etag, :at)")
                    .bind("ws", workspaceId).bind("r", repo).bind("f", feed).bind("since", cursor.since())
                    .bind("etag", cursor.etag() != null && cursor.etag().length() > 300 ? null : cursor.etag())
                    .bind("at", clock.instant()).execute();
        });
    }

    /** The source of webhook deliveries made with the server's own webhook secret (else a workspace's id). */
    public static final String ENVIRONMENT_SOURCE = "environment";

    /** Notes that a signed delivery arrived from {@code source} now. */
    public void deliveryArrived(String source) {
        try {
            jdbi.useTransaction(h -> {
                int rows = h.createUpdate("update github_webhook_heartbeats set last_delivery_at = :at where source = :s")
                        .bind("s", source).bind("at", clock.instant()).execute();
                if (rows == 0) {
                    h.createUpdate("insert into github_webhook_heartbeats (source, last_delivery_at) values (:s, :at)")
                            .bind("s", source).bind("at", clock.instant()).execute();
                }
            });
        } catch (RuntimeException e) {
            // why: another delivery inserted it at the same time; its time is as good as this one's
        }
    }

    /** When a signed delivery last arrived from {@code source}. */
    public Optional<Instant> lastDelivery(String source) {
        return jdbi.withHandle(h -> h.createQuery("select last_delivery_at from github_webhook_heartbeats where source = :s")
                .bind("s", source).map((rs, ctx) -> rs.getTimestamp(1).toInstant()).findOne());
    }

    /** The id of the member the workspace's bots and automation act as, if an admin named one. */
    public Optional<String> integrationUserId(String workspaceId) {
        return jdbi.withHandle(h -> h.createQuery("select integration_user_id from github_workspace_settings where workspace_id = :ws"
                        + " and integration_user_id is not null")
                .bind("ws", workspaceId).mapTo(String.class).findOne());
    }

    /** Every workspace's id (the poller asks which of them have an integration). */
    public List<String> workspaces() {
        return jdbi.withHandle(h -> h.createQuery("select id from workspaces order by id").mapTo(String.class).list());
    }

    /** The workspaces that name an integration user. */
    public List<String> workspacesWithIntegrationUser() {
        return jdbi.withHandle(h -> h.createQuery("select workspace_id from github_workspace_settings where integration_user_id is not null"
                + " order by workspace_id").mapTo(String.class).list());
    }

    /** Names (or, with null, clears) the workspace's integration user. */
    public void setIntegrationUser(String workspaceId, String userId) {
        jdbi.useTransaction(h -> {
            h.createUpdate("delete from github_workspace_settings where workspace_id = :ws").bind("ws", workspaceId).execute();
            h.createUpdate("insert into github_workspace_settings (workspace_id, integration_user_id, updated_at) values (:ws, :u, :at)")
                    .bind("ws", workspaceId).bind("u", userId).bind("at", clock.instant()).execute();
        });
    }

    /** The integration user of the workspace as the actor a trigger acts as, while they are still a member. */
    public Optional<Actor> integrationUser(String workspaceId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select u.id, u.name, u.email, m.role from github_workspace_settings g
                        join users u on u.id = g.integration_user_id
                        join memberships m on m.user_id = g.integration_user_id and m.workspace_id = g.workspace_id
                        where g.workspace_id = :ws
                        """)
                .bind("ws", workspaceId)
                .map((rs, ctx) -> new Actor(rs.getString(1), rs.getString(2), rs.getString(3), workspaceId, rs.getString(4)))
                .findOne());
    }

    static String normal(String login) {
        return login.strip().toLowerCase(Locale.ROOT);
    }
}
