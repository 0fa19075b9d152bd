package dev.magnet.auth;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shapes of accounts, keys, members, invites and audit entries. */
final class AccountViews {
    private AccountViews() {
    }

    static Map<String, Object> me(AccountService.Me me, Actor actor, String csrfToken) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user", user(me.user()));
        out.put("workspace", Map.of("id", me.current().workspaceId(), "name", me.current().workspaceName()));
        out.put("role", me.current().role());
        out.put("workspaces", me.workspaces().stream().map(AccountViews::membership).toList());
        out.put("authenticatedBy", actor.viaApiKey() ? "apiKey" : "browser");
        out.put("apiKeyId", actor.apiKeyId());
        if (csrfToken != null) {
            out.put("csrfToken", csrfToken);
        }
        return out;
    }

    static Map<String, Object> user(User u) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", u.id());
        out.put("name", u.name());
        out.put("email", u.email());
        return out;
    }

    static Map<String, Object> membership(Membership m) {
        return Map.of("id", m.workspaceId(), "name", m.workspaceName(), "role", m.role());
    }

    static Map<String, Object> member(Member m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", m.userId());
        out.put("name", m.name());
        out.put("email", m.email());
        out.put("role", m.role());
        return out;
    }

    static Map<String, Object> key(ApiKeyInfo k) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", k.id());
        out.put("name", k.name());
        out.put("prefix", k.prefix());
        out.put("owner", Map.of("id", k.userId(), "name", k.userName()));
        out.put("createdAt", k.createdAt().toString());
        out.put("lastUsedAt", k.lastUsedAt() == null ? null : k.lastUsedAt().toString());
        out.put("revokedAt", k.revokedAt() == null ? null : k.revokedAt().toString());
        out.put("rateLimitPerMinute", k.rateLimitPerMinute());
        return out;
    }

    static Map<String, Object> invite(Invite i) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", i.id());
        out.put("role", i.role());
        out.put("email", i.email());
        out.put("state", i.state());
        out.put("createdAt", i.createdAt().toString());
        out.put("expiresAt", i.expiresAt().toString());
        return out;
    }

    static Map<String, Object> audit(AuditEntry e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", e.id());
        out.put("at", e.at().toString());
        Map<String, Object> actor = new LinkedHashMap<>();
        actor.put("id", e.actorId());
        actor.put("name", e.actorName());
        actor.put("apiKeyId", e.apiKeyId());
        out.put("actor", actor);
        out.put("action", e.action());
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("type", e.targetType());
        target.put("id", e.targetId());
        out.put("target", target);
        out.put("detail", e.detail());
        return out;
    }
}
