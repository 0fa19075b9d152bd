package dev.magnet.webhooks;

import dev.magnet.auth.Actor;
import dev.magnet.auth.AuditLog;
import dev.magnet.crypto.SecretBox;
import dev.magnet.crypto.Tokens;
import dev.magnet.net.AddressPolicy;
import dev.magnet.net.ForbiddenAddressException;
import dev.magnet.store.Ids;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.NotFoundException;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * A workspace's webhook endpoints (admins set them) and their deliveries: create (the signing secret is in that one
 * answer only), list, change, delete; deliveries listed with their answers, and sent again on request. A URL must be
 * http(s) and reach a public address unless the operator allows more ({@code MAGNET_ALLOW_PRIVATE_ADDRESSES}).
 */
public final class WebhookEndpoints {
    private static final String DELIVERY_COLUMNS = """
            id, endpoint_id, event, session_id, state, attempts, next_attempt_at, created_at, last_attempt_at,
            response_status, response_body, error, redelivery_of, payload
            """;
    private static final int MAX_URL = 2000;

    private final Jdbi jdbi;
    private final SecretBox box;
    private final AddressPolicy addresses;
    private final AuditLog audit;
    private final Clock clock;

    public WebhookEndpoints(Jdbi jdbi, SecretBox box, AddressPolicy addresses, AuditLog audit, Clock clock) {
        this.jdbi = jdbi;
        this.box = box;
        this.addresses = addresses;
        this.audit = audit;
        this.clock = clock;
    }

    /** A new endpoint and its signing secret, which is shown this once. */
    public record Created(Endpoint endpoint, String secret) {
    }

    /** What a change sets; null fields stay as they are. */
    public record Change(String url, List<String> events, String format, Boolean enabled) {
    }

    public Created create(Actor admin, Change fields) {
        String url = checkUrl(fields.url());
        List<String> events = checkEvents(fields.events() == null ? WebhookEvent.allWire() : fields.events());
        WebhookFormat format = format(fields.format() == null ? "magnet" : fields.format());
        String secret = "whsec_" + Tokens.random(24);
        Endpoint endpoint = new Endpoint(Ids.newId(), admin.workspaceId(), url, events, format,
                fields.enabled() == null || fields.enabled(), clock.instant());
        jdbi.useTransaction(h -> {
            h.createUpdate("""
                            insert into webhook_endpoints (id, workspace_id, url, events, format, secret_sealed, enabled,
                                created_by, created_at)
                            values (:id, :ws, :url, :events, :format, :secret, :enabled, :by, :at)
                            """)
                    .bind("id", endpoint.id()).bind("ws", endpoint.workspaceId()).bind("url", url)
                    .bind("events", String.join(",", events)).bind("format", format.wire()).bind("secret", box.seal(secret))
                    .bind("enabled", endpoint.enabled()).bind("by", admin.userId()).bind("at", endpoint.createdAt()).execute();
            audit.record(h, admin, "webhook.created", "webhook", endpoint.id(), url);
        });
        return new Created(endpoint, secret);
    }

    public List<Endpoint> list(Actor admin) {
        return jdbi.withHandle(h -> h.createQuery("select * from webhook_endpoints where workspace_id = :ws order by id")
                .bind("ws", admin.workspaceId()).map((rs, ctx) -> endpoint(rs)).list());
    }

    /** @throws NotFoundException when the workspace has no such endpoint */
    public Endpoint get(Actor admin, String id) {
        return jdbi.withHandle(h -> find(h, admin.workspaceId(), id))
                .orElseThrow(() -> new NotFoundException("no webhook " + id + " in this workspace"));
    }

    public Endpoint change(Actor admin, String id, Change fields) {
        Endpoint before = get(admin, id);
        String url = fields.url() == null ? before.url() : checkUrl(fields.url());
        List<String> events = fields.events() == null ? before.events() : checkEvents(fields.events());
        WebhookFormat format = fields.format() == null ? before.format() : format(fields.format());
        boolean enabled = fields.enabled() == null ? before.enabled() : fields.enabled();
        jdbi.useTransaction(h -> {
            h.createUpdate("update webhook_endpoints set url = :url, events = :events, format = :format, enabled = :enabled"
                            + " where id = :id and workspace_id = :ws")
                    .bind("url", url).bind("events", String.join(",", events)).bind("format", format.wire())
                    .bind("enabled", enabled).bind("id", id).bind("ws", admin.workspaceId()).execute();
            audit.record(h, admin, "webhook.updated", "webhook", id, url);
        });
        return get(admin, id);
    }

    public void delete(Actor admin, String id) {
        get(admin, id);
        jdbi.useTransaction(h -> {
            h.createUpdate("delete from webhook_endpoints where id = :id and workspace_id = :ws")
                    .bind("id", id).bind("ws", admin.workspaceId()).execute();
            audit.record(h, admin, "webhook.deleted", "webhook", id, null);
        });
    }

    /** The endpoint's deliveries, newest first, older than {@code before} (a delivery id) when it is given. */
    public List<Delivery> deliveries(Actor admin, String id, String before, int limit) {
        get(admin, id);
        return jdbi.withHandle(h -> h.createQuery("select " + DELIVERY_COLUMNS + " from webhook_deliveries"
                        + " where endpoint_id = :id" + (before == null ? "" : " and id < :before") + " order by id desc limit :limit")
                .bind("id", id).bind("before", before).bind("limit", limit)
                .map((rs, ctx) -> delivery(rs, List.of())).list());
    }

    /** One delivery with its body and every attempt. */
    public Delivery delivery(Actor admin, String id, String deliveryId) {
        get(admin, id);
        return jdbi.withHandle(h -> findDelivery(h, id, deliveryId))
                .orElseThrow(() -> new NotFoundException("no delivery " + deliveryId + " of webhook " + id));
    }

    /** Sends a delivery's body again, as a new delivery tried at once (with its own retries). */
    public Delivery redeliver(Actor admin, String id, String deliveryId) {
        Delivery original = delivery(admin, id, deliveryId);
        String newId = Ids.newId();
        Instant now = clock.instant();
        jdbi.useTransaction(h -> {
            h.createUpdate("""
                            insert into webhook_deliveries (id, endpoint_id, event, session_id, payload, state, attempts,
                                next_attempt_at, created_at, redelivery_of)
                            values (:id, :endpoint, :event, :session, :payload, 'pending', 0, :now, :now, :of)
                            """)
                    .bind("id", newId).bind("endpoint", id).bind("event", original.event()).bind("session", original.sessionId())
                    .bind("payload", original.payload()).bind("now", now).bind("of", original.id()).execute();
            audit.record(h, admin, "webhook.redelivered", "webhook", id, deliveryId);
        });
        return delivery(admin, id, newId);
    }

    private String checkUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidRequestException("url", "url is required: the http(s) address Magnet posts events to");
        }
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("url", "url is not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null || uri.getRawUserInfo() != null
                || url.length() > MAX_URL) {
            throw new InvalidRequestException("url", "url must be an http:// or https:// URL with a host and no user name"
                    + " (at most " + MAX_URL + " characters)");
        }
        try {
            addresses.check(uri.getHost());
        } catch (ForbiddenAddressException e) {
            if (e.forbidden()) {
                throw new InvalidRequestException("url", "url " + url + ": " + e.getMessage());
            }
            // why: a name that does not resolve from here now may later; each delivery checks again and says so
        }
        return uri.toString();
    }

    private static List<String> checkEvents(List<String> events) {
        LinkedHashSet<String> known = new LinkedHashSet<>();
        for (String e : events) {
            if (WebhookEvent.fromWire(e).isEmpty()) {
                throw new InvalidRequestException("events", "unknown event '" + e + "': events are " + String.join(", ",
                        WebhookEvent.allWire()));
            }
            known.add(e);
        }
        if (known.isEmpty()) {
            throw new InvalidRequestException("events", "events must name at least one of " + String.join(", ",
                    WebhookEvent.allWire()));
        }
        return new ArrayList<>(known);
    }

    private static WebhookFormat format(String wire) {
        try {
            return WebhookFormat.fromWire(wire);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("format", e.getMessage());
        }
    }

    private static Optional<Endpoint> find(Handle h, String workspaceId, String id) {
        return h.createQuery("select * from webhook_endpoints where id = :id and workspace_id = :ws")
                .bind("id", id).bind("ws", workspaceId).map((rs, ctx) -> endpoint(rs)).findOne();
    }

    static Optional<Delivery> findDelivery(Handle h, String endpointId, String deliveryId) {
        List<Delivery.Attempt> attempts = h.createQuery("select attempt, at, response_status, response_body, error, duration_ms"
                        + " from webhook_attempts where delivery_id = :id order by attempt")
                .bind("id", deliveryId)
                .map((rs, ctx) -> new Delivery.Attempt(rs.getInt(1), rs.getTimestamp(2).toInstant(), integer(rs, 3),
                        rs.getString(4), rs.getString(5), rs.getLong(6)))
                .list();
        return h.createQuery("select " + DELIVERY_COLUMNS + " from webhook_deliveries where id = :id and endpoint_id = :endpoint")
                .bind("id", deliveryId).bind("endpoint", endpointId).map((rs, ctx) -> delivery(rs, attempts)).findOne();
    }

    private static Endpoint endpoint(ResultSet rs) throws SQLException {
        return new Endpoint(rs.getString("id"), rs.getString("workspace_id"), rs.getString("url"),
                List.of(rs.getString("events").split(",")), WebhookFormat.fromWire(rs.getString("format")),
                rs.getBoolean("enabled"), rs.getTimestamp("created_at").toInstant());
    }

    private static Delivery delivery(ResultSet rs, List<Delivery.Attempt> attempts) throws SQLException {
        return new Delivery(rs.getString("id"), rs.getString("endpoint_id"), rs.getString("event"), rs.getString("session_id"),
                Delivery.State.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)), rs.getInt("attempts"),
                instant(rs.getTimestamp("next_attempt_at")), instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("last_attempt_at")), integer(rs, "response_status"), rs.getString("response_body"),
                rs.getString("error"), rs.getString("redelivery_of"), rs.getString("payload"), attempts);
    }

    private static Integer integer(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static Integer integer(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
