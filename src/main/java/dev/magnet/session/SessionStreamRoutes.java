package dev.magnet.session;

import com.fasterxml.jackson.databind.util.RawValue;
import dev.magnet.auth.Actor;
import dev.magnet.auth.Authenticator;
import dev.magnet.events.Event;
import dev.magnet.events.EventHub;
import dev.magnet.events.EventLog;
import dev.magnet.json.Json;
import dev.magnet.web.Sse;
import dev.magnet.web.Requests;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.auth.Callers.browserToken;
import static dev.magnet.web.Requests.json;

/**
 * A session's events (SPEC §3, §4): with {@code Accept: text/event-stream} an SSE stream that replays after the
 * client's last id, then follows live, then ends with an {@code end} event once the session is no longer active;
 * otherwise a JSON page. Also the session's diff.
 *
 * <p>A stream checks again, at least every {@code recheckEvery}, that its caller may still read it; when the API key
 * it was opened with is revoked, the browser signed out or the user left the workspace, it says why in a comment
 * line and closes without an {@code end} frame (the session has not ended). A client that reconnects meets the 401
 * or 404 that says what happened.
 */
public final class SessionStreamRoutes {
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final int BATCH = 500;
    /** The longest a viewer waits after a write to send the next events together (only while events come fast). */
    private static final Duration LINGER = Duration.ofMillis(10);

    private final SessionService service;
    private final EventLog log;
    private final EventHub hub;
    private final Authenticator callers;
    private final Duration recheckEvery;

    /**
     * @param callers      checks that a stream's caller may still read it
     * @param recheckEvery how often (at most the heartbeat, 15 s)
     */
    public SessionStreamRoutes(SessionService service, EventLog log, EventHub hub, Authenticator callers,
                               Duration recheckEvery) {
        if (recheckEvery.isNegative() || recheckEvery.isZero() || recheckEvery.compareTo(HEARTBEAT) > 0) {
            throw new IllegalArgumentException("recheckEvery must be more than 0 and at most " + HEARTBEAT
                    + ": set MAGNET_STREAM_RECHECK_SECONDS to 1..15");
        }
        this.service = service;
        this.log = log;
        this.hub = hub;
        this.callers = callers;
        this.recheckEvery = recheckEvery;
    }

    public void register(RouteTable routes) {
        routes.get("/api/sessions/{id}/events", this::events);
        routes.get("/api/sessions/{id}/diff", this::diff);
    }

    private void events(Context ctx) throws IOException, InterruptedException {
        Actor actor = actor(ctx);
        Session s = service.get(actor, ctx.pathParam("id"));
        String lastEventId = ctx.header("Last-Event-ID");
        String afterParam = ctx.queryParam("after");
        long after = lastEventId != null && !lastEventId.isBlank() ? Requests.longParam(lastEventId, "Last-Event-ID")
                : afterParam != null && !afterParam.isBlank() ? Requests.longParam(afterParam, "after") : 0;
        if (Sse.wanted(ctx)) {
            stream(ctx, s.id(), after, actor, browserToken(ctx));
            return;
        }
        int limit = Requests.intParam(ctx, "limit", BATCH, 1, 1000);
        List<Event> page = log.after(s.id(), after, limit + 1);
        boolean more = page.size() > limit;
        if (more) {
            page = page.subList(0, limit);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("events", page.stream().map(e -> new RawValue(e.json())).toList());
        out.put("nextAfter", page.isEmpty() ? after : page.get(page.size() - 1).seq());
        out.put("hasMore", more);
        out.put("status", s.status().wire());
        json(ctx, 200, out);
    }

    private void stream(Context ctx, String sessionId, long after, Actor actor, String browserToken)
            throws IOException, InterruptedException {
        OutputStream out = Sse.open(ctx);
        long last = after;
        try {
            write(out, ": stream of session " + sessionId + "\nretry: 2000\n\n");
            long lastWrite = System.nanoTime();
            long nextCheck = lastWrite + recheckEvery.toNanos();
            boolean checkStatus = true;
            long knownEndings = 0;
            while (true) {
                if (System.nanoTime() - nextCheck >= 0) {
                    Optional<String> denied = callers.recheck(actor, browserToken);
                    if (denied.isPresent()) {
                        write(out, ": closed: " + denied.get() + "\n\n");
                        return;
                    }
                    nextCheck = System.nanoTime() + recheckEvery.toNanos();
                }
                long sinceWrite = System.nanoTime() - lastWrite;
                if (sinceWrite < LINGER.toNanos()) {
                    // why: while events come fast, each viewer gathers a few milliseconds of them per write; a
                    // hundred viewers then wake and write a tenth as often, and a quiet stream is not delayed at all
                    Thread.sleep(Duration.ofNanos(LINGER.toNanos() - sinceWrite));
                }
                List<Event> batch = next(sessionId, last);
                if (!batch.isEmpty()) {
                    // why: each event's frame is written once and shared by every reader of the session
                    for (Event e : batch) {
                        out.write(e.sseFrame());
                        last = e.seq();
                    }
                    out.flush();
                    lastWrite = System.nanoTime();
                    continue;
                }
                if (checkStatus) {
                    // why: a status read is two queries; a reader woken by newer events knows the session was active
                    // when they were written, so it reads the status only when poked, ended or timed out
                    knownEndings = hub.endings(sessionId);
                    Optional<Session> current = service.find(sessionId);
                    if (current.isEmpty() || !current.get().isActive()) {
                        List<Event> tail = log.after(sessionId, last, BATCH);
                        if (!tail.isEmpty()) {
                            continue; // why: the final status event may commit just after our last read
                        }
                        Map<String, Object> end = new LinkedHashMap<>();
                        end.put("status", current.map(x -> x.status().wire()).orElse("failed"));
                        end.put("failure", current.map(Session::failure).map(f -> Map.of("reason", f.reason().wire(),
                                "message", f.message(), "phase", f.phase().wire())).orElse(null));
                        write(out, "event: end\ndata: " + Json.write(end) + "\n\n");
                        log.ended(sessionId); // why: a session that ran on another server is never ended in this hub otherwise
                        return;
                    }
                }
                long now = System.nanoTime();
                long wait = Math.min(nextCheck - now, lastWrite + HEARTBEAT.toNanos() - now);
                EventHub.Wake wake = hub.await(sessionId, last, knownEndings, Duration.ofNanos(Math.max(1, wait)));
                checkStatus = wake != EventHub.Wake.NEWER;
                if (wake == EventHub.Wake.TIMEOUT && System.nanoTime() - lastWrite >= HEARTBEAT.toNanos()) {
                    write(out, ": ping\n\n");
                    lastWrite = System.nanoTime();
                }
            }
        } catch (IOException e) {
            // the client went away; it reconnects with Last-Event-ID and misses nothing
        }
    }

    private List<Event> next(String sessionId, long last) {
        return hub.recentAfter(sessionId, last).orElseGet(() -> log.after(sessionId, last, BATCH));
    }

    private void diff(Context ctx) {
        Session s = service.get(actor(ctx), ctx.pathParam("id"));
        Optional<SessionDiffs.StoredDiff> stored = service.storedDiff(s.id());
        if ("json".equals(ctx.queryParam("format"))) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("sessionId", s.id());
            out.put("baseBranch", s.baseBranch());
            out.put("branch", s.branch());
            out.put("baseCommit", stored.map(SessionDiffs.StoredDiff::baseCommit).orElse(s.baseCommit()));
            out.put("headCommit", stored.map(SessionDiffs.StoredDiff::headCommit).orElse(null));
            out.put("files", stored.map(d -> Json.MAPPER.convertValue(readTree(d.filesJson()), Object.class)).orElse(List.of()));
            out.put("diff", stored.map(SessionDiffs.StoredDiff::diff).orElse(""));
            json(ctx, 200, out);
            return;
        }
        ctx.status(200).contentType("text/x-diff; charset=utf-8").result(stored.map(SessionDiffs.StoredDiff::diff).orElse(""));
    }

    private static Object readTree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        Sse.write(out, text);
    }
}
