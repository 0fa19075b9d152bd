package dev.magnet.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.magnet.auth.Callers.admin;
import static dev.magnet.web.Requests.intParam;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;
import static dev.magnet.web.Requests.onlyFields;
import static dev.magnet.web.Requests.string;

/** {@code /api/webhooks}: the workspace's outgoing webhooks and their deliveries, for its admins. */
public final class WebhookRoutes {
    private static final Set<String> FIELDS = Set.of("url", "events", "format", "enabled");
    private static final String DELIVERY = "/api/webhooks/{id}/deliveries/{deliveryId}";

    private final WebhookEndpoints endpoints;

    public WebhookRoutes(WebhookEndpoints endpoints) {
        this.endpoints = endpoints;
    }

    public void register(RouteTable routes) {
        routes.get("/api/webhooks", ctx -> json(ctx, 200, Map.of("webhooks",
                endpoints.list(admin(ctx)).stream().map(WebhookRoutes::view).toList())));
        routes.post("/api/webhooks", this::create);
        routes.get("/api/webhooks/{id}", ctx -> json(ctx, 200, view(endpoints.get(admin(ctx), ctx.pathParam("id")))));
        routes.patch("/api/webhooks/{id}", ctx -> json(ctx, 200,
                view(endpoints.change(admin(ctx), ctx.pathParam("id"), change(ctx)))));
        routes.delete("/api/webhooks/{id}", ctx -> {
            endpoints.delete(admin(ctx), ctx.pathParam("id"));
            ctx.status(204);
        });
        routes.get("/api/webhooks/{id}/deliveries", ctx -> json(ctx, 200, Map.of("deliveries",
                endpoints.deliveries(admin(ctx), ctx.pathParam("id"), ctx.queryParam("before"), intParam(ctx, "limit", 50, 1, 200))
                        .stream().map(d -> view(d, false)).toList())));
        routes.get(DELIVERY, ctx -> json(ctx, 200,
                view(endpoints.delivery(admin(ctx), ctx.pathParam("id"), ctx.pathParam("deliveryId")), true)));
        routes.post(DELIVERY + "/redeliver", ctx -> json(ctx, 202,
                view(endpoints.redeliver(admin(ctx), ctx.pathParam("id"), ctx.pathParam("deliveryId")), true)));
    }

    private void create(Context ctx) {
        WebhookEndpoints.Created created = endpoints.create(admin(ctx), change(ctx));
        Map<String, Object> out = view(created.endpoint());
        out.put("secret", created.secret());
        ctx.header("Location", "/api/webhooks/" + created.endpoint().id());
        json(ctx, 201, out);
    }

    private static WebhookEndpoints.Change change(Context ctx) {
        JsonNode body = object(ctx);
        onlyFields(body, FIELDS);
        List<String> events = null;
        JsonNode e = body.get("events");
        if (e != null && !e.isNull()) {
            if (!e.isArray()) {
                throw new InvalidRequestException("events", "events must be an array of event names");
            }
            events = new ArrayList<>();
            for (JsonNode n : e) {
                if (!n.isTextual()) {
                    throw new InvalidRequestException("events", "events must be an array of event names");
                }
                events.add(n.asText());
            }
        }
        JsonNode enabled = body.get("enabled");
        if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
            throw new InvalidRequestException("enabled", "enabled must be true or false");
        }
        return new WebhookEndpoints.Change(string(body, "url"), events, string(body, "format"),
                enabled == null || enabled.isNull() ? null : enabled.asBoolean());
    }

    static Map<String, Object> view(Endpoint e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("url", e.url());
        m.put("events", e.events());
        m.put("format", e.format().wire());
        m.put("enabled", e.enabled());
        m.put("createdAt", e.createdAt().toString());
        return m;
    }

    static Map<String, Object> view(Delivery d, boolean full) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("webhookId", d.endpointId());
        m.put("event", d.event());
        m.put("sessionId", d.sessionId());
        m.put("state", d.state().wire());
        m.put("attempts", d.attempts());
        m.put("createdAt", d.createdAt().toString());
        m.put("lastAttemptAt", d.lastAttemptAt() == null ? null : d.lastAttemptAt().toString());
        m.put("nextAttemptAt", d.nextAttemptAt() == null ? null : d.nextAttemptAt().toString());
        m.put("responseStatus", d.responseStatus());
        m.put("responseBody", d.responseBody());
        m.put("error", d.error());
        m.put("redeliveryOf", d.redeliveryOf());
        if (full) {
            m.put("payload", Json.readMap(d.payload()));
            m.put("history", d.history().stream().map(a -> {
                Map<String, Object> h = new LinkedHashMap<>();
                h.put("attempt", a.attempt());
                h.put("at", a.at().toString());
                h.put("responseStatus", a.responseStatus());
                h.put("responseBody", a.responseBody());
                h.put("error", a.error());
                h.put("durationMs", a.durationMs());
                return h;
            }).toList());
        }
        return m;
    }
}
