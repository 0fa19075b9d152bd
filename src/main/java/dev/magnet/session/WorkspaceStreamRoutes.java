package dev.magnet.session;

import dev.magnet.auth.Actor;
import dev.magnet.auth.Authenticator;
import dev.magnet.events.Event;
import dev.magnet.events.EventHub;
import dev.magnet.events.EventType;
import dev.magnet.json.Json;
import dev.magnet.web.Sse;
import dev.magnet.web.Problem;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.auth.Callers.browserToken;

/**
 * The workspace's event stream (SSE): an {@code event: sessions} frame with the ids of the caller's workspace's sessions
 * that changed (created, a status or phase, a message, a turn's result, a pull request), gathered over a quarter of a
 * second, so that the dashboard reloads its list when something changed instead of polling. Heartbeats every 15 s; the
 * caller is checked again like a session's stream, and the stream closes with a comment saying why when it may no
 * longer read the workspace. Live changes come from this server's {@link EventHub}.
 */
public final class WorkspaceStreamRoutes {
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final Duration GATHER = Duration.ofMillis(250);
    private static final Set<EventType> CHANGES = Set.of(EventType.STATUS, EventType.USER_MESSAGE, EventType.TEXT,
            EventType.TURN_RESULT, EventType.PR, EventType.ERROR);

    private final SessionService service;
    private final EventHub hub;
    private final Authenticator callers;
    private final Duration recheckEvery;

    public WorkspaceStreamRoutes(SessionService service, EventHub hub, Authenticator callers, Duration recheckEvery) {
        this.service = service;
        this.hub = hub;
        this.callers = callers;
        this.recheckEvery = recheckEvery;
    }

    public void register(RouteTable routes) {
        routes.get("/api/workspace/events", this::events);
    }

    private void events(Context ctx) throws Exception {
        Actor actor = actor(ctx);
        if (!Sse.wanted(ctx)) {
            Problem.send(ctx, 406, "Not Acceptable", "this route is an event stream: send Accept: text/event-stream", null);
            return;
        }
        Set<String> changed = ConcurrentHashMap.newKeySet();
        LinkedBlockingQueue<Boolean> wake = new LinkedBlockingQueue<>(1);
        try (AutoCloseable listening = hub.listen(events -> {
            for (Event e : events) {
                if (CHANGES.contains(e.type()) && changed.add(e.sessionId())) {
                    wake.offer(Boolean.TRUE);
                }
            }
        })) {
            stream(ctx, actor, browserToken(ctx), changed, wake);
        }
    }

    private void stream(Context ctx, Actor actor, String browserToken, Set<String> changed, LinkedBlockingQueue<Boolean> wake)
            throws IOException, InterruptedException {
        OutputStream out = Sse.open(ctx);
        try {
            Sse.write(out, ": changes of workspace " + actor.workspaceId() + "\nretry: 2000\n\n");
            long lastWrite = System.nanoTime();
            long nextCheck = lastWrite + recheckEvery.toNanos();
            while (true) {
                long now = System.nanoTime();
                if (now - nextCheck >= 0) {
                    Optional<String> denied = callers.recheck(actor, browserToken);
                    if (denied.isPresent()) {
                        Sse.write(out, ": closed: " + denied.get() + "\n\n");
                        return;
                    }
                    nextCheck = now + recheckEvery.toNanos();
                }
                long wait = Math.max(1, Math.min(nextCheck - now, lastWrite + HEARTBEAT.toNanos() - now));
                if (wake.poll(wait, TimeUnit.NANOSECONDS) == null) {
                    if (System.nanoTime() - lastWrite >= HEARTBEAT.toNanos()) {
                        Sse.write(out, ": ping\n\n");
                        lastWrite = System.nanoTime();
                    }
                    continue;
                }
                Thread.sleep(GATHER);
                List<String> ids = new ArrayList<>(changed);
                changed.removeAll(ids);
                wake.clear();
                List<String> visible = ids.stream().filter(id -> service.findInWorkspace(actor, id).isPresent()).toList();
                if (!visible.isEmpty()) {
                    Sse.write(out, "event: sessions\ndata: " + Json.write(Map.of("ids", visible)) + "\n\n");
                    lastWrite = System.nanoTime();
                }
            }
        } catch (IOException e) {
            // the client went away; it reloads the list when it reconnects
        }
    }
}
