package dev.magnet.session;

import dev.magnet.auth.Actor;
import dev.magnet.auth.AuditLog;
import dev.magnet.events.Event;
import dev.magnet.config.Quotas;
import dev.magnet.events.EventData;
import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;
import dev.magnet.git.BranchName;
import dev.magnet.web.ConflictException;
import dev.magnet.store.Ids;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.NotFoundException;
import dev.magnet.web.TooManyRequestsException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;

/**
 * What users do with sessions: create, read, rename, send follow-ups, interrupt, cancel and retry. Every
 * call is scoped to the actor's workspace; other workspaces' sessions are not found. Every change is written to
 * the workspace's audit log with the actor (and the API key it used).
 */
public final class SessionService {
    public static final int MAX_PROMPT_CHARS = 100_000;
    public static final int MAX_TITLE_CHARS = 200;
    private static final int DERIVED_TITLE_CHARS = 80;

    private final SessionStore store;
    private final SessionControl control;
    private final String defaultModel;
    private final RepoNames repoNames;
    private final EnvironmentChoices environments;
    private final Quotas quotas;
    private final AuditLog audit;

    public SessionService(SessionStore store, SessionControl control, String defaultModel, RepoNames repoNames,
                          EnvironmentChoices environments, Quotas quotas, AuditLog audit) {
        this.quotas = java.util.Objects.requireNonNull(quotas, "quotas (Quotas.none() for none)");
        this.audit = java.util.Objects.requireNonNull(audit, "audit: pass the workspace audit log");
        this.store = store;
        this.control = control;
        this.defaultModel = defaultModel;
        this.repoNames = java.util.Objects.requireNonNull(repoNames, "repoNames: which repositories users may name");
        this.environments = java.util.Objects.requireNonNull(environments, "environments (EnvironmentChoices.NONE for none)");
    }

    /** Validates and stores a new session (active, queued) with its first events; the runner picks it up. */
    public Session create(Actor actor, NewSession request) {
        Session created = create(actor, request, null);
        audit.record(actor, "session.create", "session", created.id(), created.title());
        return created;
    }

    private Session create(Actor actor, NewSession request, String retryOf) {
        String prompt = requirePrompt(request.prompt());
        if (quotas.queuedPerUser() > 0 && store.queuedBy(actor.userId()) >= quotas.queuedPerUser()) {
            throw new TooManyRequestsException("you have " + quotas.queuedPerUser() + " sessions waiting to run, as many "
                    + "as this server queues for one person (MAGNET_MAX_QUEUED_PER_USER); try again when some have started", 30);
        }
        String title = request.title() == null ? deriveTitle(prompt) : requireTitle(request.title());
        Optional<EnvironmentChoices.Chosen> environment = retryOf != null
                ? (request.environmentId() == null ? Optional.empty()
                        : environments.named(actor.workspaceId(), request.environmentId()))
                : request.environmentId() != null ? environments.named(actor.workspaceId(), request.environmentId())
                : environments.workspaceDefault(actor.workspaceId());
        String repo = environment.map(EnvironmentChoices.Chosen::repo).orElse(null);
        if (request.repo() != null && !request.repo().isBlank()) {
            try {
                repo = repoNames.canonical(actor.workspaceId(), request.repo());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("repo", e.getMessage());
            }
        }
        String baseBranch = request.repo() == null || request.repo().isBlank()
                ? environment.map(EnvironmentChoices.Chosen::branch).orElse(null) : null;
        if (request.baseBranch() != null) {
            try {
                baseBranch = BranchName.of(request.baseBranch()).value();
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("baseBranch", e.getMessage());
            }
        }
        String model = request.model() == null ? defaultModel : requireModel(request.model());
        Instant now = store.clock().instant();
        String id = Ids.newId();
        Session session = Session.create(new SessionSpec(id, actor.workspaceId(), Author.of(actor), prompt, repo,
                BranchName.forSession(id, title).value(), model,
                environment.map(EnvironmentChoices.Chosen::id).orElse(null), retryOf, UUID.randomUUID().toString(), now), title, baseBranch);
        SessionMessage first = new SessionMessage(Ids.newId(), id, Author.of(actor), prompt,
                SessionMessage.State.QUEUED, now);
        store.create(session, first, List.of(SessionStore.statusEvent(session), userMessageEvent(first, false)));
        control.wake();
        return session;
    }

    public Session get(Actor actor, String id) {
        return findVisible(actor, id);
    }

    /** The session when it is one of the actor's workspace (no error when it is not). */
    public java.util.Optional<Session> findInWorkspace(Actor actor, String id) {
        return store.findInWorkspace(actor.workspaceId(), id);
    }

    /** A session by id without a workspace check: for internal readers that already checked access. */
    public java.util.Optional<Session> find(String id) {
        return store.find(id);
    }

    public SessionPage list(SessionQuery query) {
        return store.list(query);
    }

    /** The repositories the caller's workspace has used in sessions, most recent first (at most {@code limit}). */
    public List<String> repos(Actor actor, int limit) {
        return store.repos(actor.workspaceId(), limit);
    }

    /** Each session waiting for a run slot and its place in the queue (fair across people), from 1. */
    public Map<String, Integer> queuePositions() {
        return store.queuePositions(store.clock().instant(), quotas);
    }

    public SessionStats stats(Actor actor) {
        Instant weekAgo = store.clock().instant().minus(Duration.ofDays(7));
        return store.stats(actor.workspaceId(), weekAgo);
    }

    public Session rename(Actor actor, String id, String title) {
        String valid = requireTitle(title);
        get(actor, id);
        Session renamed = store.change(id, s -> true, s -> s.withTitle(valid, store.clock().instant()))
                .orElseThrow(() -> notFound(id));
        audit.record(actor, "session.rename", "session", id, valid);
        return renamed;
    }

    /**
     * Queues a follow-up. A running agent takes it as soon as it can; a completed session is reopened and
     * resumed. Never lost: it stays queued until an agent takes it.
     *
     * @throws ConflictException when the session failed (retry it instead)
     */
    public SessionMessage followUp(Actor actor, String id, String text) {
        String body = requireText(text);
        get(actor, id);
        Instant now = store.clock().instant();
        SessionMessage message = new SessionMessage(Ids.newId(), id, Author.of(actor), body, SessionMessage.State.QUEUED, now);
        boolean reopened = store.withLocked(id, (s, w) -> {
            if (s.status() == Status.FAILED) {
                throw new ConflictException("session " + id + " failed (" + s.failure().reason().wire()
                        + "); retry it to continue with a new session");
            }
            w.queue(message);
            Session next = s.withOneMoreMessage(now);
            boolean reopen = s.status() == Status.COMPLETED || s.phase() == Phase.WAITING;
            if (s.status() == Status.COMPLETED) {
                next = next.reopen(now);
            } else if (s.phase() == Phase.WAITING) {
                next = next.moveTo(Phase.RUNNING, "follow-up", now);
            }
            w.save(next);
            w.append(List.of(userMessageEvent(message, true)));
            return reopen;
        }).orElseThrow(() -> notFound(id));
        if (reopened) {
            control.wake();
        } else {
            control.messageQueued(id);
        }
        audit.record(actor, "session.message", "session", id, "message " + message.id());
        return message;
    }

    /**
     * Queues a review comment on lines of the session's diff as a follow-up carrying the file, the side, the lines and the
     * hunk.
     *
     * @throws ConflictException when the session has no diff yet
     * @throws InvalidRequestException when the lines are not in one hunk of the file's changes
     */
    public SessionMessage comment(Actor actor, String id, ReviewComment comment) {
        requireText(comment.text());
        get(actor, id);
        String diff = store.diff(id).map(SessionDiffs.StoredDiff::diff)
                .orElseThrow(() -> new ConflictException("session " + id + " has no changes to comment on yet"));
        String hunk = comment.hunkIn(diff).orElseThrow(() -> new InvalidRequestException("line",
                "lines " + comment.startLine() + "-" + comment.endLine() + " (" + comment.side().wire() + " side) of " + comment.path()
                        + " are not in one hunk of the session's changes"));
        return followUp(actor, id, comment.followUp(hunk));
    }

    public void interrupt(Actor actor, String id) {
        Session s = get(actor, id);
        if (!s.isActive()) {
            throw new ConflictException("session " + id + " is " + s.status().wire() + "; there is nothing to interrupt");
        }
        if (!control.interrupt(id)) {
            throw new ConflictException("session " + id + " has no agent running yet (phase " + s.phase().wire() + ")");
        }
        audit.record(actor, "session.interrupt", "session", id, null);
    }

    /** Cancels an active session: its sandbox is torn down and it fails with reason {@code cancelled}. */
    public void cancel(Actor actor, String id) {
        Session s = get(actor, id);
        if (!s.isActive()) {
            throw new ConflictException("session " + id + " is already " + s.status().wire());
        }
        String by = "Cancelled by " + actor.userName() + ".";
        if (!control.cancel(id, by)) {
            store.change(id, Session::isActive, locked -> locked.fail(FailureReason.CANCELLED, by, store.clock().instant()));
        }
        audit.record(actor, "session.cancel", "session", id, null);
    }

    /** A new session with the same inputs (and optionally an edited prompt), linked to this one. */
    public Session retry(Actor actor, String id, String editedPrompt) {
        Session old = get(actor, id);
        if (old.isActive()) {
            throw new ConflictException("session " + id + " is still active; cancel it before retrying");
        }
        String prompt = editedPrompt == null ? old.prompt() : editedPrompt;
        String title = editedPrompt == null ? old.title() : null;
        Session created = create(actor, new NewSession(prompt, title, old.repo(), old.baseBranch(), old.model(),
                old.environmentId()), old.id());
        audit.record(actor, "session.retry", "session", old.id(), "new session " + created.id());
        return created;
    }

    /**
     * The conversation of a session: user messages, the agent's text, and turn results. Each item has Magnet's documented
     * {@code type} ({@code user | assistant | result}) and {@code message.content} (a string for the user and a result, an
     * array of {@code {type: "text", text}} blocks for the assistant) besides our {@code role}, {@code text}, {@code seq}
     * and {@code at}.
     */
    public List<Map<String, Object>> conversation(String sessionId) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Event e : store.eventsOfTypes(sessionId, List.of(EventType.USER_MESSAGE, EventType.TEXT, EventType.TURN_RESULT))) {
            Map<String, Object> m = new LinkedHashMap<>();
            Object text;
            switch (e.type()) {
                case USER_MESSAGE -> {
                    text = e.data().get("text");
                    m.put("type", "user");
                    m.put("message", Map.of("role", "user", "content", String.valueOf(text)));
                    m.put("role", "user");
                    m.put("text", text);
                    m.put("author", e.data().get("author"));
                }
                case TEXT -> {
                    text = e.data().get("text");
                    m.put("type", "assistant");
                    m.put("message", Map.of("role", "assistant", "content", List.of(Map.of("type", "text", "text", String.valueOf(text)))));
                    m.put("role", "assistant");
                    m.put("text", text);
                }
                default -> {
                    Object success = e.data().get("success");
                    text = Boolean.TRUE.equals(success) ? e.data().get("result") : e.data().get("message");
                    m.put("type", "result");
                    m.put("message", Map.of("content", text == null ? "" : String.valueOf(text)));
                    m.put("role", "result");
                    m.put("success", success);
                    m.put("text", text);
                    m.put("costUsd", e.data().get("costUsd"));
                }
            }
            m.put("seq", e.seq());
            m.put("at", e.at().toString());
            out.add(m);
        }
        return out;
    }

    /** The conversation summaries of the sessions, kept on their rows (missing ones have none yet). */
    public Map<String, ConversationSummary> conversations(List<Session> sessions) {
        return store.conversations(sessions.stream().map(Session::id).toList());
    }

    /** The conversation summary of one session. */
    public ConversationSummary conversationOf(Session s) {
        return conversations(List.of(s)).getOrDefault(s.id(), ConversationSummary.NONE);
    }

    /**
     * Magnet's documented {@code PATCH} of {@code status}: the status it has is a no-op, {@code failed} on an active
     * session cancels it, anything else is a conflict naming what to do instead.
     */
    public Session changeStatus(Actor actor, String id, Status wanted) {
        Session s = get(actor, id);
        requireStatusChange(s, wanted);
        if (s.status() == wanted) {
            return s;
        }
        cancel(actor, id);
        return get(actor, id);
    }

    /** Refuses a status change other than none or cancelling an active session, naming what to do instead (409). */
    public static void requireStatusChange(Session s, Status wanted) {
        if (s.status() == wanted || s.status() == Status.ACTIVE && wanted == Status.FAILED) {
            return;
        }
        String id = s.id();
        throw new ConflictException("session " + id + " is " + s.status().wire() + " and cannot be set " + wanted.wire()
                + ": " + switch (s.status()) {
                    case ACTIVE -> "it completes when the agent finishes; to stop it, cancel it (POST /api/sessions/" + id
                            + "/cancel or PATCH status failed)";
                    case COMPLETED -> wanted == Status.ACTIVE
                            ? "send a follow-up (POST /api/sessions/" + id + "/messages) to continue it"
                            : "it has ended; retry it (POST /api/sessions/" + id + "/retry) for a new attempt";
                    case FAILED -> "retry it (POST /api/sessions/" + id + "/retry) for a new session";
                });
    }

    /** The agent's latest task list. */
    @SuppressWarnings("unchecked")
    /**
     * Starts the preview of a session that does not run (see {@link SessionControl#startPreview}).
     *
     * @throws ConflictException while the session runs (its preview runs with it) or when this server cannot start it
     */
    public void startPreview(Actor actor, String sessionId) {
        Session s = get(actor, sessionId);
        if (s.isActive()) {
            throw new ConflictException("the session is running: its preview runs with it");
        }
        if (s.environmentId() == null) {
            throw new ConflictException("the session has no environment, so no run script to preview");
        }
        if (!control.startPreview(s.id())) {
            throw new ConflictException("this server is stopping; try again in a moment");
        }
    }

    /** The state of the session's run script, when its environment has one and it was started. */
    public Optional<RunScriptState> runScript(String sessionId) {
        return store.runScript(sessionId);
    }

    public List<Object> tasks(String sessionId) {
        List<Event> todos = store.eventsOfTypes(sessionId, List.of(EventType.TODO));
        if (todos.isEmpty()) {
            return List.of();
        }
        Object items = todos.get(todos.size() - 1).data().get("items");
        return items instanceof List<?> list ? (List<Object>) list : List.of();
    }

    /** The check runs GitHub reported on the session's pull request: name, status, conclusion, url. */
    public List<Map<String, Object>> checks(String sessionId) {
        return store.checkRuns(sessionId);
    }

    public java.util.Optional<SessionDiffs.StoredDiff> storedDiff(String sessionId) {
        return store.diff(sessionId);
    }

    static NewEvent userMessageEvent(SessionMessage m, boolean followUp) {
        return NewEvent.of(new EventData.UserMessage(m.id(), m.text(),
                new EventData.UserMessage.Person(m.author().id(), m.author().name()), true, followUp));
    }

    static String deriveTitle(String prompt) {
        String firstLine = prompt.strip().lines().findFirst().orElse("").strip();
        if (firstLine.length() <= DERIVED_TITLE_CHARS) {
            return firstLine.isEmpty() ? "Untitled session" : firstLine;
        }
        int cut = firstLine.lastIndexOf(' ', DERIVED_TITLE_CHARS - 1);
        return firstLine.substring(0, cut > 40 ? cut : DERIVED_TITLE_CHARS - 1).strip() + "…";
    }

    private Session findVisible(Actor actor, String id) {
        if (!Ids.isWellFormed(id)) {
            throw notFound(id);
        }
        return store.findInWorkspace(actor.workspaceId(), id).orElseThrow(() -> notFound(id));
    }

    private static NotFoundException notFound(String id) {
        return new NotFoundException("no session " + id);
    }

    private static String requirePrompt(String prompt) {
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidRequestException("prompt", "prompt is required: say what the agent should do");
        }
        if (prompt.length() > MAX_PROMPT_CHARS) {
            throw new InvalidRequestException("prompt", "prompt is too long: at most " + MAX_PROMPT_CHARS + " characters");
        }
        return prompt;
    }

    private static String requireText(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidRequestException("text", "text is required");
        }
        if (text.length() > MAX_PROMPT_CHARS) {
            throw new InvalidRequestException("text", "text is too long: at most " + MAX_PROMPT_CHARS + " characters");
        }
        return text;
    }

    private static String requireTitle(String title) {
        if (title == null || title.isBlank()) {
            throw new InvalidRequestException("title", "title must not be blank");
        }
        String t = title.strip();
        if (t.length() > MAX_TITLE_CHARS || t.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("title", "title must be one line of at most " + MAX_TITLE_CHARS + " characters");
        }
        return t;
    }

    private static String requireModel(String model) {
        if (!model.matches("[A-Za-z0-9][A-Za-z0-9._:@/\\[\\]-]{0,127}")) {
            throw new InvalidRequestException("model", "model must be a model id or alias such as claude-opus-4-6");
        }
        return model;
    }
}
