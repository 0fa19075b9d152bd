package dev.magnet.environment;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;

import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.util.Map;

/** {@code /api/environments}: admins create, change and delete; members read (SPEC §5). */
public final class EnvironmentRoutes {
    private final EnvironmentService service;

    public EnvironmentRoutes(EnvironmentService service) {
        this.service = service;
    }

    public void register(RouteTable routes) {
        routes.get("/api/environments", this::list);
        routes.post("/api/environments", this::create);
        routes.get("/api/environments/{id}", this::get);
        routes.patch("/api/environments/{id}", this::update);
        routes.delete("/api/environments/{id}", this::delete);
    }

    private void list(Context ctx) {
        json(ctx, 200, Map.of("environments", service.list(actor(ctx)).stream().map(EnvironmentView::of).toList()));
    }

    private void create(Context ctx) {
        Environment created = service.create(actor(ctx), object(ctx));
        ctx.header("Location", "/api/environments/" + created.id());
        json(ctx, 201, EnvironmentView.of(created));
    }

    private void get(Context ctx) {
        json(ctx, 200, EnvironmentView.of(service.get(actor(ctx), ctx.pathParam("id"))));
    }

    private void update(Context ctx) {
        json(ctx, 200, EnvironmentView.of(service.update(actor(ctx), ctx.pathParam("id"), object(ctx))));
    }

    private void delete(Context ctx) {
        service.delete(actor(ctx), ctx.pathParam("id"));
        ctx.status(204);
    }
}
