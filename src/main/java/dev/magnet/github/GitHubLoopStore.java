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

    /** Counts one more follow-up from a failed check, unless {@code max} were sent already; false then. */
    public boolean takeCheckFollowUp(String sessionId, int max) {
        return jdbi.withHandle(h -> h.createUpdate("update sessions set check_follow_ups = check_follow_ups + 1"
                        + " where id = :s and check_follow_ups < :max")
                .bind("s", sessionId).bind("max", max).execute() == 1);
    }

    static String normal(String login) {
        return login.strip().toLowerCase(Locale.ROOT);
    }
}
