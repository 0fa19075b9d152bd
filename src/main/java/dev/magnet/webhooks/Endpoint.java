package dev.magnet.webhooks;

import java.time.Instant;
import java.util.List;

/** A workspace's webhook endpoint as people see it: never its secret. */
public record Endpoint(String id, String workspaceId, String url, List<String> events, WebhookFormat format,
                       boolean enabled, Instant createdAt) {
}
