package dev.magnet.session;

import dev.magnet.config.Quotas;
import dev.magnet.events.Event;
import dev.magnet.events.EventData;
import dev.magnet.events.EventLog;
import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import dev.magnet.store.Reconnecting;
import org.jdbi.v3.core.Jdbi;

/**
 * The one way sessions, their messages, diffs and events are read and written. Every change runs in one transaction
 * (a status or phase change always with its {@code status} event), and the events it appended are fanned out only
 * after the commit. Used by the service, the runner and the GitHub integration alike; none of them sees a database
 * handle.
 */
public final class SessionStore {
    private final Jdbi jdbi;
    private final Reconnecting db;
    private final SessionRepository sessions;
    private final MessageRepository messages;
    private final SessionDiffs diffs;
    private final RunScriptStates runScripts = new RunScriptStates();
    private final EventLog events;
    private final Clock clock;
    private final PhaseListener phases;

    public SessionStore(Jdbi jdbi, EventLog events, Clock clock) {
        this(jdbi, events, clock, PhaseListener.NONE);
    }

    /** @param phases told of every status or phase change once it is committed (metrics) */
    public SessionStore(Jdbi jdbi, EventLog events, Clock clock, PhaseListener phases) {
        this.jdbi = jdbi;
        this.db = new Reconnecting(jdbi);
        this.sessions = new SessionRepository();
        this.messages = new MessageRepository();
        this.diffs = new SessionDiffs();
        this.events = events;
        this.clock = clock;
        this.phases = Objects.requireNonNull(phases, "phases: PhaseListener.NONE when nothing listens");
    }

    /** Hears of a session's status or phase changes after their transaction committed; must be quick and not throw. */
    @FunctionalInterface
    public interface PhaseListener {
        PhaseListener NONE = (before, after) -> { };

        /**
         * {@code after} is {@code before} with one or more {@link PhaseChange}s appended to its history; {@code before}
         * is null for a session just created.
         */
        void moved(Session before, Session after);
    }

    private record Move(Session before, Session after) {
    }

    /** The work of one transaction on one locked session. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Session locked, Writer writer);
    }

    /** What a unit of work may do inside its transaction. */
    public final class Writer {
        private final Handle handle;
        private Session current;
        private final List<Event> appended = new ArrayList<>();
        private final List<Move> moves = new ArrayList<>();

        private Writer(Handle handle, Session current) {
            this.handle = handle;
            this.current = current;
        }

        /** Stores the session's new state, with a {@code status} event when its status or phase moved. */
        public Session save(Session next) {
            Session before = current;
            current = sessions.update(handle, next);
            if (before.status() != next.status() || before.phase() != next.phase()
                    || next.history().size() > before.history().size()) {
                appended.addAll(events.append(handle, next.id(), List.of(statusEvent(next))));
            }
            if (next.history().size() > before.history().size()) {
                moves.add(new Move(before, current));
            }
            return current;
        }

        public List<Event> append(List<NewEvent> more) {
            List<Event> written = events.append(handle, current.id(), more);
            appended.addAll(written);
            return written;
        }

        /** Queues a message for the session's agent. */
        public void queue(SessionMessage message) {
            messages.insert(handle, message);
        }

        /** Marks a queued message taken by the agent; false when it was already (or does not exist). */
        public boolean markDelivered(String messageId, Instant at) {
            return messages.markDelivered(handle, messageId, at);
        }

        /** Stores the session's diff, replacing the one before. */
        public void saveDiff(SessionDiffs.StoredDiff diff) {
            diffs.save(handle, current.id(), diff);
        }

        public Session current() {
            return current;
        }
    }

    public Clock clock() {
        return clock;
    }

    /** Stores a new session with its first message and events, and fans the events out. */
    public void create(Session session, SessionMessage first, List<NewEvent> firstEvents) {
        List<Event> written = db.inTransaction(h -> {
            sessions.insert(h, session);
            messages.insert(h, first);
            return events.append(h, session.id(), firstEvents);
        });
        events.publish(written);
        phases.moved(null, session);
    }

    public Optional<Session> find(String id) {
        return db.withHandle(h -> sessions.find(h, id, false));
    }

    /** A session of the given workspace, or empty: other workspaces' sessions do not exist for the caller. */
    public Optional<Session> findInWorkspace(String workspaceId, String id) {
        return db.withHandle(h -> sessions.findInWorkspace(h, workspaceId, id));
    }

    public SessionPage list(SessionQuery query) {
        return db.withHandle(h -> sessions.list(h, query));
    }

    /** The conversation summaries of the sessions (a session without one is missing from the map). */
    public Map<String, ConversationSummary> conversations(List<String> ids) {
        return db.withHandle(h -> sessions.conversations(h, ids));
    }

    /** The repositories a workspace's sessions used, most recent first. */
    public List<String> repos(String workspaceId, int limit) {
        return db.withHandle(h -> sessions.repos(h, workspaceId, limit));
    }

    public SessionStats stats(String workspaceId, Instant since) {
        return db.withHandle(h -> sessions.stats(h, workspaceId, since));
    }

    /** The messages queued for the session's agent and not yet taken, oldest first. */
    public List<SessionMessage> queuedMessages(String sessionId) {
        return db.withHandle(h -> messages.queued(h, sessionId));
    }

    public Optional<SessionDiffs.StoredDiff> diff(String sessionId) {
        return db.withHandle(h -> diffs.find(h, sessionId));
    }

    /** The check runs GitHub reported on the session's pull request (table {@code github_check_runs}), by name. */
    public List<Map<String, Object>> checkRuns(String sessionId) {
        return db.withHandle(h -> h.createQuery("select name, status, conclusion, url, updated_at from github_check_runs"
                        + " where session_id = :s order by name")
                .bind("s", sessionId)
                .map((rs, ctx) -> {
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    m.put("name", rs.getString(1));
                    m.put("status", rs.getString(2));
                    m.put("conclusion", rs.getString(3));
                    m.put("url", rs.getString(4));
                    m.put("updatedAt", rs.getTimestamp(5).toInstant().toString());
                    return m;
                })
                .list());
    }

    /** The state of the session's run script, when it has one. */
    public Optional<RunScriptState> runScript(String sessionId) {
        return db.withHandle(h -> runScripts.find(h, sessionId));
    }

    /** Records where the session's run script is now. */
    public void saveRunScript(String sessionId, RunScriptState state) {
        db.inTransaction(h -> {
            runScripts.save(h, sessionId, state);
            return null;
        });
    }

    /** The session's events of the given types, in order. */
    public List<Event> eventsOfTypes(String sessionId, List<EventType> types) {
        return events.ofTypes(sessionId, types);
    }

    /**
     * Sessions with an open pull request, by id, after {@code afterId} (from the first when null): one page of a walk
     * through all of them, at most {@code limit}.
     */
    public List<Session> withOpenPullRequests(String afterId, int limit) {
        return db.withHandle(h -> sessions.withOpenPullRequests(h, afterId, limit));
    }

    /** Sessions whose pull request is {@code number} in {@code repo}. */
    public List<Session> withPullRequest(String repo, int number) {
        return db.withHandle(h -> sessions.withPullRequest(h, repo, number));
    }

    /** Sessions (of any workspace) that ever had pull request {@code number} of {@code repo}, now or before. */
    public List<Session> everWithPullRequest(String repo, int number) {
        return db.withHandle(h -> sessions.everWithPullRequest(h, repo, number));
    }

    /** Ids of completed sessions no runner holds that have not changed since {@code cutoff}. */
    public List<String> idleCompleted(Instant cutoff, int limit) {
        return db.withHandle(h -> sessions.idleCompleted(h, cutoff, limit));
    }

    /** Ids of active sessions that no live runner holds: never claimed, or whose lease lapsed. */
    public List<String> claimable(Instant now, int limit) {
        return db.withHandle(h -> sessions.claimable(h, now, limit));
    }

    /**
     * Ids of the sessions that may be taken now, in the order they should be ({@link RunQueue}: fair across people,
     * quotas per workspace and person respected), at most {@code limit}.
     */
    public List<String> nextToRun(Instant now, int limit, Quotas quotas) {
        return db.withHandle(h -> {
            List<RunQueue.Waiting> waiting = sessions.waiting(h, now, 1000);
            // why: every server looks every second; what runs (a read of every held session) matters only when some wait
            return waiting.isEmpty() ? List.<RunQueue.Waiting>of() : RunQueue.runnable(waiting, sessions.running(h, now), quotas);
        }).stream().limit(limit).map(RunQueue.Waiting::id).toList();
    }

    /** Each session waiting for a run slot and its place in the queue, from 1. */
    public Map<String, Integer> queuePositions(Instant now, Quotas quotas) {
        return db.withHandle(h -> RunQueue.positions(sessions.waiting(h, now, 1000), sessions.running(h, now), quotas));
    }

    /** How many of a person's sessions wait for a run slot. */
    public int queuedBy(String authorId) {
        return db.withHandle(h -> sessions.queuedBy(h, authorId));
    }

    /** What a workspace's sessions changed since {@code since} have cost, in US dollars. */
    public double workspaceCostSince(String workspaceId, Instant since) {
        return db.withHandle(h -> sessions.costSince(h, workspaceId, since));
    }

    /** The runner that holds the session now (its lease has not lapsed), if one does. */
    public Optional<String> holder(String id, Instant now) {
        return db.withHandle(h -> sessions.holder(h, id, now));
    }

    /** Ids of the sessions a runner holds now (its lease has not lapsed), on this server or another. */
    public List<String> heldByLiveRunners(Instant now) {
        return db.withHandle(h -> sessions.heldByLiveRunners(h, now));
    }

    /** Takes a session for a runner if nobody holds it; true when this runner now holds it. */
    public boolean claim(String id, String runnerId, Instant now, Instant leaseUntil) {
        // why: not run again on a lost connection: a claim that went through would then read as refused
        return jdbi.withHandle(h -> sessions.claim(h, id, runnerId, now, leaseUntil));
    }

    /** Extends the leases of the sessions this runner holds. */
    public void heartbeat(String runnerId, List<String> ids, Instant leaseUntil) {
        jdbi.useHandle(h -> sessions.heartbeat(h, runnerId, ids, leaseUntil));
    }

    /** Gives a session back: no runner holds it any more. */
    public void release(String id, String runnerId) {
        jdbi.useHandle(h -> sessions.release(h, id, runnerId));
    }

    /**
     * Runs {@code work} on the locked session in one transaction and publishes its events after the commit.
     *
     * @return the work's result, or empty when the session does not exist (or the work returned null)
     */
    public <T> Optional<T> withLocked(String sessionId, Work<T> work) {
        List<Event> toPublish = new ArrayList<>();
        List<Move> moved = new ArrayList<>();
        Optional<T> result = db.inTransaction(h -> {
            // why: run again from the start when the connection was lost; only the last attempt's writes committed
            toPublish.clear();
            moved.clear();
            Optional<Session> found = sessions.find(h, sessionId, true);
            if (found.isEmpty()) {
                return Optional.<T>empty();
            }
            Writer writer = new Writer(h, found.get());
            T value = work.apply(found.get(), writer);
            toPublish.addAll(writer.appended);
            moved.addAll(writer.moves);
            return Optional.ofNullable(value);
        });
        events.publish(toPublish);
        moved.forEach(m -> {
            phases.moved(m.before(), m.after());
            if (m.before().isActive() && !m.after().isActive()) {
                events.ended(sessionId);
            }
        });
        return result;
    }

    /** Applies a transition to the locked session if {@code when} holds; the new session, or empty. */
    public Optional<Session> change(String sessionId, Function<Session, Boolean> when, UnaryOperator<Session> transition) {
        return withLocked(sessionId, (s, w) -> when.apply(s) ? w.save(transition.apply(s)) : null);
    }

    /** Appends events in a transaction of their own and publishes them. */
    public List<Event> append(String sessionId, List<NewEvent> more) {
        return events.appendAndPublish(sessionId, more);
    }

    /**
     * Appends a burst of the agent's output that holds no turn result: each {@code message_delivered} only when its
     * message was not marked delivered before (it is marked now), in one transaction, without touching the session's
     * row beyond its lock; then publishes. A message taken means a turn runs, which the session's row says once.
     */
    public List<Event> appendOutput(String sessionId, List<NewEvent> output, Instant at) {
        boolean takesMessage = output.stream().anyMatch(e -> e.type() == EventType.MESSAGE_DELIVERED);
        if (takesMessage) {
            return withLocked(sessionId, (s, w) -> {
                List<NewEvent> fresh = undelivered(w, output, at);
                if (s.lastTurn() != LastTurn.RUNNING && fresh.stream().anyMatch(e -> e.type() == EventType.MESSAGE_DELIVERED)) {
                    w.save(s.withLastTurn(LastTurn.RUNNING, at));
                }
                return w.append(fresh);
            }).orElse(List.of());
        }
        List<Event> written = db.inTransaction(h -> events.append(h, sessionId, output));
        events.publish(written);
        return written;
    }

    /**
     * Appends a burst of the agent's output that ends with a turn result, and stores what the turn left: the
     * session's cost after it and how the turn ended, with the deliveries, in one transaction.
     */
    public void recordTurn(String sessionId, List<NewEvent> output, UnaryOperator<Session> after, Instant at) {
        withLocked(sessionId, (s, w) -> {
            List<NewEvent> fresh = undelivered(w, output, at);
            w.save(after.apply(s));
            w.append(fresh);
            return true;
        });
    }

    /** The events without the deliveries announced before (e.g. by an earlier agent process); marks the others. */
    private static List<NewEvent> undelivered(Writer w, List<NewEvent> output, Instant at) {
        return output.stream().filter(e -> !(e.data() instanceof EventData.MessageDelivered d)
                || w.markDelivered(d.messageId(), at)).toList();
    }

    /** The {@code status} event that announces a session's current status and phase. */
    public static NewEvent statusEvent(Session s) {
        PhaseChange last = s.history().isEmpty() ? null : s.history().get(s.history().size() - 1);
        EventData.Status status = EventData.Status.of(s.status().wire(), s.phase().wire(), last == null ? null : last.reason());
        if (s.failure() != null) {
            status = status.withFailure(new EventData.Status.Failure(s.failure().reason().wire(), s.failure().message(),
                    s.failure().phase().wire()));
        }
        return NewEvent.of(status);
    }
}
