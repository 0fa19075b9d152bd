package dev.magnet.session;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The {@code sessions} and {@code session_phases} tables. Every method takes the caller's handle so a
 * state change and its events commit together. Updates are optimistic: a stale version fails.
 */
public final class SessionRepository {

    private static final String COLUMNS = """
            s.id, s.workspace_id, s.author_id, u.name as author_name, u.email as author_email, s.title, s.prompt, s.repo, s.base_branch,
            s.branch, s.model, s.environment_id, s.status, s.phase, s.failure_reason, s.failure_message, s.failure_phase, s.retry_of,
            s.agent_session_id, s.agent_started, s.base_commit, s.message_count, s.cost_usd, s.input_tokens,
            s.output_tokens, s.pr_number, s.pr_url, s.pr_state, s.last_turn, s.pushed_commit, s.created_at, s.updated_at,
            s.version
            """;

    public void insert(Handle h, Session s) {
        h.createUpdate("""
                insert into sessions (id, workspace_id, author_id, title, prompt, repo, base_branch, branch, model,
                    environment_id, status, phase, retry_of, agent_session_id, agent_started, message_count, created_at,
                    updated_at, version)
                values (:id, :workspaceId, :authorId, :title, :prompt, :repo, :baseBranch, :branch, :model,
                    :environmentId, :status, :phase, :retryOf, :agentSessionId, false, :messageCount, :createdAt,
                    :updatedAt, 0)
                """)
                .bind("id", s.id())
                .bind("workspaceId", s.workspaceId())
                .bind("authorId", s.author().id())
                .bind("title", s.title())
                .bind("prompt", s.prompt())
                .bind("repo", s.repo())
                .bind("baseBranch", s.baseBranch())
                .bind("branch", s.branch())
                .bind("model", s.model())
                .bind("environmentId", s.environmentId())
                .bind("status", s.status().wire())
                .bind("phase", s.phase().wire())
                .bind("retryOf", s.retryOf())
                .bind("agentSessionId", s.agentSessionId())
                .bind("messageCount", s.messageCount())
                .bind("createdAt", s.createdAt())
                .bind("updatedAt", s.updatedAt())
                .execute();
        insertHistory(h, s.id(), s.history(), 0);
    }

    /**
     * Writes the new state of a session loaded with {@link #find} and the history entries it added.
     *
     * @return the stored session (its version bumped)
     * @throws ConcurrentUpdateException when someone else changed the session since it was loaded
     */
    public Session update(Handle h, Session s) {
        int rows = h.createUpdate("""
                update sessions set title = :title, status = :status, phase = :phase,
                    failure_reason = :failureReason, failure_message = :failureMessage, failure_phase = :failurePhase,
                    agent_started = :agentStarted, base_branch = :baseBranch, base_commit = :baseCommit, message_count = :messageCount,
                    cost_usd = :costUsd, input_tokens = :inputTokens, output_tokens = :outputTokens,
                    pr_number = :prNumber, pr_url = :prUrl, pr_state = :prState,
                    pr_updated_at = case when coalesce(pr_state, '') <> coalesce(:prState, '') then :updatedAt
                                         else pr_updated_at end,
                    last_turn = :lastTurn, pushed_commit = :pushedCommit,
                    updated_at = :updatedAt, version = version + 1
                where id = :id and version = :version
                """)
                .bind("id", s.id())
                .bind("version", s.version())
                .bind("title", s.title())
                .bind("status", s.status().wire())
                .bind("phase", s.phase().wire())
                .bind("failureReason", s.failure() == null ? null : s.failure().reason().wire())
                .bind("failureMessage", s.failure() == null ? null : s.failure().message())
                .bind("failurePhase", s.failure() == null ? null : s.failure().phase().wire())
                .bind("agentStarted", s.agentStarted())
                .bind("baseBranch", s.baseBranch())
                .bind("baseCommit", s.baseCommit())
                .bind("messageCount", s.messageCount())
                .bind("costUsd", s.cost().usd())
                .bind("inputTokens", s.cost().inputTokens())
                .bind("outputTokens", s.cost().outputTokens())
                .bind("prNumber", s.pr() == null ? null : s.pr().number())
                .bind("prUrl", s.pr() == null ? null : s.pr().url())
                .bind("prState", s.pr() == null ? null : s.pr().state().wire())
                .bind("lastTurn", s.lastTurn() == null ? null : s.lastTurn().wire())
                .bind("pushedCommit", s.pushedCommit())
                .bind("updatedAt", s.updatedAt())
                .execute();
        if (rows != 1) {
            throw new ConcurrentUpdateException(s.id());
        }
        if (s.pr() != null && s.repo() != null) {
            rememberPullRequest(h, s.id(), s.repo(), s.pr().number());
        }
        int stored = h.createQuery("select count(*) from session_phases where session_id = :id")
                .bind("id", s.id()).mapTo(Integer.class).one();
        insertHistory(h, s.id(), s.history(), stored);
        return s.stored(s.version() + 1, s.history());
    }

    /** A session with its history, or empty. Locks its row when {@code forUpdate}, so concurrent writers queue. */
    public Optional<Session> find(Handle h, String id, boolean forUpdate) {
        Optional<Session> row = h.createQuery("select " + COLUMNS
                        + " from sessions s join users u on u.id = s.author_id where s.id = :id"
                        + (forUpdate ? " for update" : ""))
                .bind("id", id)
                .map((rs, ctx) -> map(rs, List.of()))
                .findOne();
        return row.map(s -> withHistory(s, history(h, id)));
    }

    /** A session of the given workspace, or empty: other workspaces' sessions do not exist for the caller. */
    public Optional<Session> findInWorkspace(Handle h, String workspaceId, String id) {
        return find(h, id, false).filter(s -> s.workspaceId().equals(workspaceId));
    }

    public SessionPage list(Handle h, SessionQuery q) {
        StringBuilder sql = new StringBuilder("select " + COLUMNS
                + " from sessions s join users u on u.id = s.author_id where s.workspace_id = :workspaceId");
        if (q.status() != null) {
            sql.append(" and s.status = :status");
        }
        if (q.repo() != null) {
            sql.append(" and s.repo = :repo");
        }
        if (q.author() != null) {
            sql.append(" and (s.author_id = :author or lower(u.name) = lower(:author) or lower(u.email) = lower(:author))");
        }
        if (q.text() != null) {
            sql.append(" and (lower(s.title) like :text or lower(s.prompt) like :text)");
        }
        if (q.cursor() != null) {
            sql.append(" and s.id < :cursor");
        }
        sql.append(" order by s.id desc limit :limit");
        Query query = h.createQuery(sql.toString())
                .bind("workspaceId", q.workspaceId())
                .bind("limit", q.limit() + 1);
        if (q.status() != null) {
            query.bind("status", q.status().wire());
        }
        if (q.repo() != null) {
            query.bind("repo", q.repo());
        }
        if (q.author() != null) {
            query.bind("author", q.author());
        }
        if (q.text() != null) {
            query.bind("text", "%" + q.text().toLowerCase(java.util.Locale.ROOT)
                    .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        if (q.cursor() != null) {
            query.bind("cursor", q.cursor());
        }
        List<Session> rows = new ArrayList<>(query.map((rs, ctx) -> map(rs, List.of())).list());
        String next = null;
        if (rows.size() > q.limit()) {
            rows = rows.subList(0, q.limit());
            next = rows.get(rows.size() - 1).id();
        }
        return new SessionPage(List.copyOf(rows), next);
    }

    /** Sessions (of any workspace) whose pull request is {@code number} of {@code repo} ({@code owner/name}). */
    public List<Session> withPullRequest(Handle h, String repo, int number) {
        return h.createQuery("select " + COLUMNS + " from sessions s join users u on u.id = s.author_id"
                        + " where s.pr_number = :number and lower(s.repo) = lower(:repo) order by s.id")
                .bind("number", number)
                .bind("repo", repo)
                .map((rs, ctx) -> map(rs, List.of()))
                .list();
    }

    /**
     * Sessions (of any workspace) that ever had pull request {@code number} of {@code repo}: the one they have now, or
     * one merged or closed before a follow-up opened another.
     */
    public List<Session> everWithPullRequest(Handle h, String repo, int number) {
        return h.createQuery("select " + COLUMNS + " from sessions s join users u on u.id = s.author_id"
                        + " where s.id in (select p.session_id from session_pull_requests p"
                        + " where p.pr_number = :number and lower(p.repo) = lower(:repo)) order by s.id")
                .bind("number", number)
                .bind("repo", repo)
                .map((rs, ctx) -> map(rs, List.of()))
                .list();
    }

    /** Notes that the session had this pull request (once per number). */
    private static void rememberPullRequest(Handle h, String sessionId, String repo, int number) {
        boolean known = h.createQuery("select count(*) from session_pull_requests where session_id = :s and pr_number = :n")
                .bind("s", sessionId).bind("n", number).mapTo(Integer.class).one() > 0;
        if (!known) {
            h.createUpdate("insert into session_pull_requests (session_id, repo, pr_number) values (:s, :r, :n)")
                    .bind("s", sessionId).bind("r", repo).bind("n", number).execute();
        }
    }

    /** Sessions (of any workspace) whose pull request is open, by id after {@code afterId} ("" for the first), at most {@code limit}. */
    public List<Session> withOpenPullRequests(Handle h, String afterId, int limit) {
        return h.createQuery("select " + COLUMNS + " from sessions s join users u on u.id = s.author_id"
                        + " where s.pr_state = 'open' and s.id > :after order by s.id limit :limit")
                .bind("after", afterId == null ? "" : afterId)
                .bind("limit", limit)
                .map((rs, ctx) -> map(rs, List.of()))
                .list();
    }

    /** The repositories of a workspace's sessions, most recently used first, at most {@code limit}. */
    public List<String> repos(Handle h, String workspaceId, int limit) {
        return h.createQuery("select repo from sessions where workspace_id = :ws and repo is not null"
                        + " group by repo order by max(created_at) desc limit :limit")
                .bind("ws", workspaceId)
                .bind("limit", limit)
                .mapTo(String.class)
                .list();
    }

    public SessionStats stats(Handle h, String workspaceId, Instant since) {
        return h.createQuery("""
                select
                  (select count(*) from sessions where workspace_id = :ws and pr_state = 'merged'
                       and pr_updated_at >= :since) as merges,
                  (select count(distinct author_id) from sessions where workspace_id = :ws and created_at >= :since) as authors,
                  (select count(distinct m.author_id) from session_messages m join sessions s on s.id = m.session_id
                       where s.workspace_id = :ws and m.created_at >= :since) as humans,
                  (select count(distinct m.author_id) from session_messages m join sessions s on s.id = m.session_id
                       where s.workspace_id = :ws and s.status = 'active') as prompting,
                  (select count(*) from sessions where workspace_id = :ws and created_at >= :since) as created,
                  (select count(*) from sessions where workspace_id = :ws and status = 'active') as active
                """)
                .bind("ws", workspaceId)
                .bind("since", since)
                .map((rs, ctx) -> new SessionStats(rs.getLong("merges"), rs.getLong("authors"), rs.getLong("humans"),
                        rs.getLong("prompting"), rs.getLong("created"), rs.getLong("active")))
                .one();
    }

    /** The conversation summary of each of the sessions (kept on their rows by the event log). */
    public Map<String, ConversationSummary> conversations(Handle h, List<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        Map<String, ConversationSummary> out = new HashMap<>();
        h.createQuery("select id, conversation_count, first_message_preview, last_message_preview from sessions where id in (<ids>)")
                .bindList("ids", ids)
                .map((rs, ctx) -> Map.entry(rs.getString("id"), new ConversationSummary(rs.getInt("conversation_count"),
                        rs.getString("first_message_preview"), rs.getString("last_message_preview"))))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** Ids of completed sessions no runner holds that have not changed since {@code cutoff}. */
    public List<String> idleCompleted(Handle h, Instant cutoff, int limit) {
        return h.createQuery("""
                select id from sessions
                where status = 'completed' and runner_id is null and updated_at < :cutoff
                order by id limit :limit
                """)
                .bind("cutoff", cutoff)
                .bind("limit", limit)
                .mapTo(String.class)
                .list();
    }

    /** Active sessions waiting for a run slot (none holds them, they are not parked), oldest first. */
    public List<RunQueue.Waiting> waiting(Handle h, Instant now, int limit) {
        return h.createQuery("""
                select id, workspace_id, author_id from sessions
                where status = 'active' and phase <> 'waiting' and (runner_id is null or lease_until < :now)
                order by id limit :limit
                """)
                .bind("now", now)
                .bind("limit", limit)
                .map((rs, ctx) -> new RunQueue.Waiting(rs.getString("id"), rs.getString("workspace_id"),
                        rs.getString("author_id")))
                .list();
    }

    /**
     * How many sessions runners hold now, by workspace and by person, and when each person with a session waiting was
     * last served (a runner took one of theirs).
     */
    public RunQueue.Running running(Handle h, Instant now) {
        Map<String, Integer> byWorkspace = new HashMap<>();
        Map<String, Integer> byAuthor = new HashMap<>();
        h.createQuery("""
                select workspace_id, author_id from sessions
                where status = 'active' and runner_id is not null and lease_until >= :now
                """)
                .bind("now", now)
                .map((rs, ctx) -> new String[] {rs.getString("workspace_id"), rs.getString("author_id")})
                .forEach(row -> {
                    byWorkspace.merge(row[0], 1, Integer::sum);
                    byAuthor.merge(row[1], 1, Integer::sum);
                });
        Map<String, Instant> lastServed = new HashMap<>();
        h.createQuery("""
                select author_id, max(taken_at) as served from sessions
                where taken_at is not null and author_id in (
                    select author_id from sessions where status = 'active' and runner_id is null)
                group by author_id
                """)
                .map((rs, ctx) -> Map.entry(rs.getString("author_id"), instant(rs, "served")))
                .forEach(e -> lastServed.put(e.getKey(), e.getValue()));
        return new RunQueue.Running(byWorkspace, byAuthor, lastServed);
    }

    /** How many of a person's sessions wait for a run slot (queued, not yet taken). */
    public int queuedBy(Handle h, String authorId) {
        return h.createQuery("select count(*) from sessions where author_id = :author and status = 'active' "
                        + "and phase = 'queued'")
                .bind("author", authorId).mapTo(Integer.class).one();
    }

    /** What a workspace's sessions created since {@code since} cost so far, in US dollars. */
    public double costSince(Handle h, String workspaceId, Instant since) {
        return h.createQuery("select coalesce(sum(cost_usd), 0) from sessions where workspace_id = :ws "
                        + "and updated_at >= :since")
                .bind("ws", workspaceId).bind("since", since).mapTo(Double.class).one();
    }

    /** Ids of active sessions that no live runner holds: never claimed, or whose lease lapsed. */
    public List<String> claimable(Handle h, Instant now, int limit) {
        return h.createQuery("""
                select id from sessions
                where status = 'active' and phase <> 'waiting' and (runner_id is null or lease_until < :now)
                order by id limit :limit
                """)
                .bind("now", now)
                .bind("limit", limit)
                .mapTo(String.class)
                .list();
    }

    /**
     * Takes a session for a runner if nobody holds it; true when this runner now holds it. A session whose row another
     * transaction has locked (another server claiming it, or writing its events) is skipped rather than waited for:
     * it is taken, or about to be.
     */
    public boolean claim(Handle h, String id, String runnerId, Instant now, Instant leaseUntil) {
        return h.createUpdate("""
                update sessions set runner_id = :runner, lease_until = :until, taken_at = :now
                where id = (select id from sessions
                            where id = :id and status = 'active' and phase <> 'waiting'
                              and (runner_id is null or lease_until < :now)
                            for update skip locked)
                """)
                .bind("id", id)
                .bind("runner", runnerId)
                .bind("until", leaseUntil)
                .bind("now", now)
                .execute() == 1;
    }

    /** The runner that holds the session now (its lease has not lapsed), if one does. */
    public Optional<String> holder(Handle h, String id, Instant now) {
        return h.createQuery("select runner_id from sessions where id = :id and runner_id is not null and lease_until >= :now")
                .bind("id", id).bind("now", now).mapTo(String.class).findOne();
    }

    /** Ids of the sessions a runner holds now (its lease has not lapsed). */
    public List<String> heldByLiveRunners(Handle h, Instant now) {
        return h.createQuery("select id from sessions where runner_id is not null and lease_until >= :now")
                .bind("now", now).mapTo(String.class).list();
    }

    /** Extends the leases of the sessions this runner holds. */
    public void heartbeat(Handle h, String runnerId, List<String> ids, Instant leaseUntil) {
        if (ids.isEmpty()) {
            return;
        }
        h.createUpdate("update sessions set lease_until = :until where runner_id = :runner and id in (<ids>)")
                .bind("until", leaseUntil)
                .bind("runner", runnerId)
                .bindList("ids", ids)
                .execute();
    }

    /** Gives a session back: no runner holds it any more. */
    public void release(Handle h, String id, String runnerId) {
        h.createUpdate("update sessions set runner_id = null, lease_until = null where id = :id and runner_id = :runner")
                .bind("id", id)
                .bind("runner", runnerId)
                .execute();
    }

    private List<PhaseChange> history(Handle h, String id) {
        return h.createQuery("select status, phase, reason, at from session_phases where session_id = :id order by seq")
                .bind("id", id)
                .map((rs, ctx) -> new PhaseChange(Status.fromWire(rs.getString("status")),
                        Phase.fromWire(rs.getString("phase")), rs.getString("reason"), instant(rs, "at")))
                .list();
    }

    private void insertHistory(Handle h, String id, List<PhaseChange> history, int alreadyStored) {
        for (int i = alreadyStored; i < history.size(); i++) {
            PhaseChange c = history.get(i);
            h.createUpdate("""
                    insert into session_phases (session_id, seq, status, phase, reason, at)
                    values (:id, :seq, :status, :phase, :reason, :at)
                    """)
                    .bind("id", id)
                    .bind("seq", i + 1)
                    .bind("status", c.status().wire())
                    .bind("phase", c.phase().wire())
                    .bind("reason", c.reason())
                    .bind("at", c.at())
                    .execute();
        }
    }

    private static Session withHistory(Session s, List<PhaseChange> history) {
        return s.stored(s.version(), history);
    }

    private static Session map(ResultSet rs, List<PhaseChange> history) throws SQLException {
        String failureReason = rs.getString("failure_reason");
        Failure failure = failureReason == null ? null : new Failure(FailureReason.fromWire(failureReason),
                rs.getString("failure_message"), Phase.fromWire(rs.getString("failure_phase")));
        int prNumber = rs.getInt("pr_number");
        PullRequest pr = rs.wasNull() ? null : new PullRequest(prNumber, rs.getString("pr_url"),
                PullRequest.State.fromWire(rs.getString("pr_state")));
        SessionSpec spec = new SessionSpec(
                rs.getString("id"),
                rs.getString("workspace_id"),
                new Author(rs.getString("author_id"), rs.getString("author_name"), rs.getString("author_email")),
                rs.getString("prompt"),
                rs.getString("repo"),
                rs.getString("branch"),
                rs.getString("model"),
                rs.getString("environment_id"),
                rs.getString("retry_of"),
                rs.getString("agent_session_id"),
                instant(rs, "created_at"));
        return new Session(
                spec,
                rs.getString("title"),
                rs.getString("base_branch"),
                Status.fromWire(rs.getString("status")),
                Phase.fromWire(rs.getString("phase")),
                failure,
                rs.getBoolean("agent_started"),
                rs.getString("base_commit"),
                rs.getInt("message_count"),
                new Cost(rs.getDouble("cost_usd"), rs.getLong("input_tokens"), rs.getLong("output_tokens")),
                pr,
                LastTurn.fromWire(rs.getString("last_turn")),
                rs.getString("pushed_commit"),
                instant(rs, "updated_at"),
                rs.getInt("version"),
                history);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        java.sql.Timestamp ts = rs.getTimestamp(column);
        return ts == null ? null : ts.toInstant();
    }
}
