package dev.magnet.session;

import dev.magnet.auth.Actor;
import dev.magnet.auth.Authenticator;
import dev.magnet.events.SessionChanges;
import dev.magnet.json.Json;
import dev.magnet.web.Sse;
import dev.magnet.web.Problem;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.auth.Callers.browserToken;

/**
 * The workspace's event stream (SSE): an {@code event: sessions} frame with the ids of the caller's workspace's sessions
 * that changed (created, a status or phase, a message, a turn's result, a pull request), gathered over a quarter of a
 * second, so that the dashboard reloads its list when something changed instead of polling. Heartbeats every 15 s; the
 * caller is checked again like a session's stream, and the stream closes with a comment saying why when it may no
 * longer read the workspace. Changes come from {@link SessionChanges}: this server's, and with several servers on one
 * PostgreSQL database the others' too; when the others' may have gone unheard, the frame says {@code "all": true}
 * (read the whole list again).
 */
public final class WorkspaceStreamRoutes {
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);
    private static final Duration GATHER = Duration.ofMillis(250);

    private final SessionService service;
    private final SessionChanges changes;
    private final Authenticator callers;
    private final Duration recheckEvery;

    public WorkspaceStreamRoutes(SessionService service, SessionChanges changes, Authenticator callers, Duration recheckEvery) {
        this.service = service;
        this.changes = changes;
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
        AtomicBoolean all = new AtomicBoolean();
        LinkedBlockingQueue<Boolean> wake = new LinkedBlockingQueue<>(1);
        try (AutoCloseable listening = changes.listen(new SessionChanges.Listener() {
            @Override
            public void changed(String sessionId) {
                if (changed.add(sessionId)) {
                    wake.offer(Boolean.TRUE);
                }
            }

            @Override
            public void missedSome() {
                all.set(true);
                wake.offer(Boolean.TRUE);
            }
        })) {
            stream(ctx, actor, browserToken(ctx), changed, all, wake);
        }
    }

    private void stream(Context ctx, Actor actor, String browserToken, Set<String> changed, AtomicBoolean all,
                        LinkedBlockingQueue<Boolean> wake)
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
                boolean missed = all.getAndSet(false);
                List<String> visible = ids.stream().filter(id -> service.findInWorkspace(actor, id).isPresent()).toList();
                if (!visible.isEmpty() || missed) {
                    Map<String, Object> frame = new LinkedHashMap<>();
                    frame.put("ids", visible);
                    if (missed) {
                        frame.put("all", true);
                    }
                    Sse.write(out, "event: sessions\ndata: " + Json.write(frame) + "\n\n");
                    lastWrite = System.nanoTime();
                }
            }
        } catch (IOException e) {
            // the client went away; it reloads the list when it reconnects
        }
    }
}
