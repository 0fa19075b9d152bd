package dev.magnet.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Set;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.web.Requests.integer;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;
import static dev.magnet.web.Requests.onlyFields;
import static dev.magnet.web.Requests.string;

/** API keys of the current workspace: create (the key is in this one answer only), list, show, revoke. */
public final class KeyRoutes {
    private final KeyService service;

    public KeyRoutes(KeyService service) {
        this.service = service;
    }

    public void register(RouteTable routes) {
        routes.get("/api/keys", this::list);
        routes.post("/api/keys", this::create);
        routes.get("/api/keys/{id}", this::get);
        routes.delete("/api/keys/{id}", this::revoke);
    }

    private void list(Context ctx) {
        boolean everyone = "true".equals(ctx.queryParam("all"));
        json(ctx, 200, Map.of("keys", service.list(actor(ctx), everyone).stream().map(AccountViews::key).toList()));
    }

    private void create(Context ctx) {
        Actor actor = actor(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("name", "rateLimitPerMinute"));
        KeyService.CreatedKey created = service.create(actor, string(body, "name"), integer(body, "rateLimitPerMinute"));
        Map<String, Object> out = AccountViews.key(created.info());
        out.put("key", created.key());
        ctx.header("Location", "/api/keys/" + created.info().id());
        json(ctx, 201, out);
    }

    private void get(Context ctx) {
        json(ctx, 200, AccountViews.key(service.get(actor(ctx), ctx.pathParam("id"))));
    }

    private void revoke(Context ctx) {
        json(ctx, 200, AccountViews.key(service.revoke(actor(ctx), ctx.pathParam("id"))));
    }
}
