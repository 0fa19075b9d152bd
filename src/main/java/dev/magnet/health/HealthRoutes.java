package dev.magnet.health;

import dev.magnet.store.Database;
import dev.magnet.web.Problem;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.magnet.web.Requests.json;
import static dev.magnet.web.RouteTable.Access.PUBLIC;

/**
 * Liveness and readiness (database reachable, agent CLI present), open to everyone, and Prometheus metrics, only
 * for a scraper that sends {@code Authorization: Bearer <MAGNET_METRICS_TOKEN>}. Without a token configured there are
 * no metrics (404 saying how to turn them on); a missing or wrong token gets 401.
 */
public final class HealthRoutes {
    private final Database database;
    private final Path claudeBin;
    private final PrometheusMeterRegistry metrics;
    private final byte[] metricsTokenDigest;

    /** @param metricsToken what {@code /metrics} asks for ({@code MAGNET_METRICS_TOKEN}), or null: metrics are off */
    public HealthRoutes(Database database, Path claudeBin, PrometheusMeterRegistry metrics, String metricsToken) {
        this.database = database;
        this.claudeBin = claudeBin;
        this.metrics = metrics;
        this.metricsTokenDigest = metricsToken == null ? null : sha256(metricsToken);
    }

    public void register(RouteTable routes) {
        routes.get("/health/live", PUBLIC, ctx -> json(ctx, 200, Map.of("status", "up")));
        routes.get("/health/ready", PUBLIC, this::ready);
        routes.get("/metrics", PUBLIC, this::metrics);
    }

    private void metrics(Context ctx) {
        if (metricsTokenDigest == null) {
            Problem.send(ctx, 404, "Not found", "metrics are off on this server: set MAGNET_METRICS_TOKEN and scrape "
                    + "/metrics with the header Authorization: Bearer <that token>", null);
            return;
        }
        String authorization = ctx.header("Authorization");
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).strip() : null;
        // why: digests of equal length, compared in constant time, reveal neither the token nor its length
        if (presented == null || !MessageDigest.isEqual(sha256(presented), metricsTokenDigest)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"metrics\"");
            Problem.send(ctx, 401, "Unauthorized", "send Authorization: Bearer <MAGNET_METRICS_TOKEN> to read the metrics", null);
            return;
        }
        ctx.header("Cache-Control", "no-store");
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
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
