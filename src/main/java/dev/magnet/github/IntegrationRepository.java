package dev.magnet.github;

import dev.magnet.crypto.SecretBox;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The {@code github_integrations} table: one integration per workspace, its secrets sealed by a {@link SecretBox}. */
final class IntegrationRepository {
    private final SecretBox box;

    IntegrationRepository(SecretBox box) {
        this.box = box;
    }

    Optional<GitHubSettings> find(Handle h, String workspaceId) {
        return h.createQuery("select * from github_integrations where workspace_id = :ws")
                .bind("ws", workspaceId)
                .map((rs, ctx) -> new GitHubSettings(rs.getString("api_url"), rs.getString("app_id"),
                        box.open(rs.getString("private_key_sealed")), box.open(rs.getString("token_sealed")),
                        box.open(rs.getString("webhook_secret_sealed")), rs.getBoolean("draft_pull_requests"), "api"))
                .findOne();
    }

    /** Every stored webhook secret by workspace. */
    Map<String, String> webhookSecrets(Handle h) {
        List<Map.Entry<String, String>> rows = h.createQuery(
                        "select workspace_id, webhook_secret_sealed from github_integrations where webhook_secret_sealed is not null")
                .map((rs, ctx) -> Map.entry(rs.getString("workspace_id"), box.open(rs.getString("webhook_secret_sealed"))))
                .list();
        return Map.ofEntries(rows.toArray(Map.Entry[]::new));
    }

    void save(Handle h, String workspaceId, GitHubSettings s, Instant at) {
        h.createUpdate("delete from github_integrations where workspace_id = :ws").bind("ws", workspaceId).execute();
        h.createUpdate("""
                insert into github_integrations (workspace_id, api_url, app_id, private_key_sealed, token_sealed,
                    webhook_secret_sealed, draft_pull_requests, updated_at)
                values (:ws, :apiUrl, :appId, :privateKey, :token, :webhookSecret, :draft, :at)
                """)
                .bind("ws", workspaceId)
                .bind("apiUrl", s.apiUrl())
                .bind("appId", s.appId())
                .bind("privateKey", box.seal(s.privateKey()))
                .bind("token", box.seal(s.token()))
                .bind("webhookSecret", box.seal(s.webhookSecret()))
                .bind("draft", s.draftPullRequests())
                .bind("at", at)
                .execute();
    }

    boolean delete(Handle h, String workspaceId) {
        return h.createUpdate("delete from github_integrations where workspace_id = :ws").bind("ws", workspaceId).execute() > 0;
    }
}
