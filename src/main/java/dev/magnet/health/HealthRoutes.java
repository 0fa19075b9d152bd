package dev.magnet.health;

import dev.magnet.store.Database;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.magnet.web.Requests.json;

/** Liveness, readiness (database reachable, agent CLI present) and Prometheus metrics. */
public final class HealthRoutes {
    private final Database database;
    private final Path claudeBin;
    private final PrometheusMeterRegistry metrics;

    public HealthRoutes(Database database, Path claudeBin, PrometheusMeterRegistry metrics) {
        this.database = database;
        this.claudeBin = claudeBin;
        this.metrics = metrics;
    }

    public void register(RoutesConfig routes) {
        routes.get("/health/live", ctx -> json(ctx, 200, Map.of("status", "up")));
        routes.get("/health/ready", this::ready);
        routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
    }

    private void ready(Context ctx) {
        boolean db = database.isReachable();
        boolean agent = Files.isExecutable(claudeBin);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", db && agent ? "ready" : "not_ready");
        body.put("database", db ? "up" : "down");
        body.put("agent", agent ? "present" : "missing: " + claudeBin);
        json(ctx, db && agent ? 200 : 503, body);
    }
}
