package dev.magnet.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.events.Event;
import dev.magnet.events.EventTap;
import dev.magnet.events.EventType;
import dev.magnet.json.Json;
import dev.magnet.store.Ids;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Writes a delivery for every endpoint that hears an event, in the transaction of the session's events that tell of
 * it: a {@code status} event that moves the session to a state not told of yet (created, waiting, completed, failed)
 * and a {@code pr} event that says opened, merged or closed. The body is made here, once, so a redelivery sends the
 * same bytes.
 */
public final class WebhookOutbox implements EventTap {
    private final Clock clock;
    private final String publicUrl;

    public WebhookOutbox(Clock clock, String publicUrl) {
        this.clock = clock;
        this.publicUrl = publicUrl.replaceAll("/+$", "");
    }

    /** A session as its webhooks describe it, read in the transaction that appends its events. */
    record SessionFacts(String id, String workspaceId, String title, String repo, String branch, String status,
                        String phase, String authorId, String authorName, String failureReason, String failureMessage,
                        String notifiedState) {
    }

    @Override
    public void appended(Handle h, String sessionId, List<Event> events) {
        SessionFacts session = null;
        for (Event e : events) {
            if (e.type() != EventType.STATUS && e.type() != EventType.PR) {
                continue;
            }
            if (session == null) {
                Optional<SessionFacts> found = facts(h, sessionId);
                if (found.isEmpty()) {
                    return;
                }
                session = found.get();
            }
            JsonNode data = read(e.dataJson());
            if (e.type() == EventType.STATUS) {
                String state = stateOf(data);
                if (state.equals(session.notifiedState())) {
                    continue;
                }
                h.createUpdate("update sessions set notified_state = :state where id = :id")
                        .bind("state", state).bind("id", sessionId).execute();
                session = withState(session, state, data);
                SessionFacts told = session;
                WebhookEvent.ofSessionState(state).ifPresent(w -> enqueue(h, told, w, null, e));
            } else {
                SessionFacts told = session;
                WebhookEvent.ofPullRequestAction(data.path("action").asText()).ifPresent(w -> enqueue(h, told, w,
                        new PullRequestFacts(data.path("number").asInt(), data.path("url").asText(), data.path("state").asText()), e));
            }
        }
    }

    record PullRequestFacts(int number, String url, String state) {
    }

    /** created (the first status event), waiting, completed, failed, or running for every other active phase. */
    private static String stateOf(JsonNode status) {
        String s = status.path("status").asText();
        if (!"active".equals(s)) {
            return s;
        }
        String phase = status.path("phase").asText();
        if ("waiting".equals(phase)) {
            return "waiting";
        }
        return "queued".equals(phase) && "created".equals(status.path("reason").asText()) ? "created" : "running";
    }

    private static SessionFacts withState(SessionFacts s, String state, JsonNode status) {
        JsonNode failure = status.path("failure");
        return new SessionFacts(s.id(), s.workspaceId(), s.title(), s.repo(), s.branch(), status.path("status").asText(),
                status.path("phase").asText(), s.authorId(), s.authorName(),
                failure.isObject() ? failure.path("reason").asText(null) : null,
                failure.isObject() ? failure.path("message").asText(null) : null, state);
    }

    private void enqueue(Handle h, SessionFacts s, WebhookEvent event, PullRequestFacts pr, Event cause) {
        List<Map<String, Object>> endpoints = h.createQuery("""
                        select id, events, format from webhook_endpoints where workspace_id = :ws and enabled = true
                        """)
                .bind("ws", s.workspaceId()).mapToMap().list();
        for (Map<String, Object> endpoint : endpoints) {
            if (!List.of(((String) endpoint.get("events")).split(",")).contains(event.wire())) {
                continue;
            }
            String eventId = Ids.newId();
            String body = WebhookFormat.fromWire((String) endpoint.get("format")) == WebhookFormat.SLACK
                    ? Json.write(Map.of("text", slackText(s, event, pr)))
                    : Json.write(payload(eventId, s, event, pr, cause));
            h.createUpdate("""
                            insert into webhook_deliveries (id, endpoint_id, event, session_id, payload, state, attempts,
                                next_attempt_at, created_at)
                            values (:id, :endpoint, :event, :session, :payload, 'pending', 0, :now, :now)
                            """)
                    .bind("id", eventId).bind("endpoint", endpoint.get("id")).bind("event", event.wire())
                    .bind("session", s.id()).bind("payload", body).bind("now", clock.instant()).execute();
        }
    }

    private Map<String, Object> payload(String eventId, SessionFacts s, WebhookEvent event, PullRequestFacts pr, Event cause) {
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("id", s.id());
        session.put("title", s.title());
        session.put("url", sessionUrl(s));
        session.put("repo", s.repo());
        session.put("branch", s.branch());
        session.put("status", s.status());
        session.put("phase", s.phase());
        session.put("author", Map.of("id", s.authorId(), "name", s.authorName()));
        if (s.failureReason() != null) {
            Map<String, Object> failure = new LinkedHashMap<>();
            failure.put("reason", s.failureReason());
            failure.put("message", s.failureMessage());
            session.put("failure", failure);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", eventId);
        out.put("event", event.wire());
        out.put("createdAt", cause.at().toString());
        out.put("workspaceId", s.workspaceId());
        out.put("session", session);
        if (pr != null) {
            out.put("pullRequest", Map.of("number", pr.number(), "url", pr.url(), "state", pr.state()));
        }
        return out;
    }

    /** One line in Slack's mrkdwn: what happened, with links to the session (and the pull request). */
    private String slackText(SessionFacts s, WebhookEvent event, PullRequestFacts pr) {
        String session = "<" + sessionUrl(s) + "|" + slackEscape(s.title()) + ">";
        return switch (event) {
            case SESSION_CREATED -> "Session " + session + " was started by " + slackEscape(s.authorName()) + ".";
            case SESSION_WAITING -> "Session " + session + " needs input.";
            case SESSION_COMPLETED -> "Session " + session + " completed.";
            case SESSION_FAILED -> "Session " + session + " failed" + (s.failureMessage() == null ? "." : ": "
                    + slackEscape(s.failureMessage()));
            case PR_OPENED, PR_MERGED, PR_CLOSED -> "Pull request <" + pr.url() + "|#" + pr.number() + "> of session "
                    + session + " was " + event.wire().substring(3) + ".";
        };
    }

    private static String slackEscape(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private String sessionUrl(SessionFacts s) {
        return publicUrl + "/sessions/" + s.id();
    }

    private static Optional<SessionFacts> facts(Handle h, String sessionId) {
        return h.createQuery("""
                        select s.id, s.workspace_id, s.title, s.repo, s.branch, s.status, s.phase, s.author_id, u.name,
                            s.failure_reason, s.failure_message, s.notified_state
                        from sessions s join users u on u.id = s.author_id where s.id = :id
                        """)
                .bind("id", sessionId)
                .map((rs, ctx) -> new SessionFacts(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                        rs.getString(10), rs.getString(11), rs.getString(12)))
                .findOne();
    }

    private static JsonNode read(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("an event's data is JSON written by Magnet", e);
        }
    }
}
