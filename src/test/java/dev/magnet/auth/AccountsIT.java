package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.Browser;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.TestResource;
import dev.magnet.testing.TestServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Sign-in, CSRF, API keys, members, invites and the audit log, on the real server over HTTP with PostgreSQL. */
class AccountsIT {
    static final String ADMIN_PASSWORD = "admin-password-for-tests";
    @RegisterExtension
    @Order(1)
    static final TestResource<PostgresSchema> schema = TestResource.of(PostgresSchema::create);
    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(() -> Map.of(
            "MAGNET_DATABASE_URL", schema.get().jdbcUrl(),
            "MAGNET_ADMIN_PASSWORD", ADMIN_PASSWORD,
            "MAGNET_MAX_SESSIONS", "1",
            // why: members here make workspaces of their own; AccountBindingIT covers the default (admins only)
            "MAGNET_WORKSPACE_CREATORS", "all"));
    static PostgresSchema db;
    static TestServer server;

    @BeforeAll
    static void start() {
        db = schema.get();
        server = magnet.server();
    }

    Browser admin() {
        Browser b = new Browser(server.baseUrl());
        assertThat(b.signIn(Bootstrap.ADMIN_EMAIL, ADMIN_PASSWORD).status()).isEqualTo(200);
        return b;
    }

    /** A new member of the admin's current workspace, signed in. */
    Browser newMember(Browser admin, String email) {
        String token = admin.post("/api/workspace/invites", Map.of("role", "member")).json().path("token").asText();
        Browser member = new Browser(server.baseUrl());
        Browser.Answer joined = member.post("/api/invites/" + token + "/accept",
                Map.of("name", "Member " + email, "email", email, "password", "member-password-1"));
        assertThat(joined.status()).as(joined.body()).isEqualTo(200);
        return member;
    }

    static String email() {
        return "u" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
    }

    @Test
    void signing_in_sets_an_http_only_same_site_session_cookie_and_a_readable_csrf_cookie() {
        Browser b = new Browser(server.baseUrl());
        Browser.Answer r = b.signIn("ADMIN@localhost", ADMIN_PASSWORD);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.setCookies()).anySatisfy(c -> assertThat(c).startsWith("magnet_session=").contains("HttpOnly", "SameSite=Lax"));
        assertThat(r.setCookies()).anySatisfy(c -> assertThat(c).startsWith("magnet_csrf=").contains("SameSite=Lax")
                .doesNotContain("HttpOnly"));
        assertThat(r.json().path("csrfToken").asText()).isEqualTo(b.cookie("magnet_csrf"));

        JsonNode me = b.get("/api/me").json();
        assertThat(me.path("user").path("email").asText()).isEqualTo(Bootstrap.ADMIN_EMAIL);
        assertThat(me.path("role").asText()).isEqualTo("admin");
        assertThat(me.path("workspace").path("name").asText()).isEqualTo("Default");
        assertThat(me.path("authenticatedBy").asText()).isEqualTo("browser");
        assertThat(me.path("workspaces")).hasSize(1);
    }

    @Test
    void a_wrong_password_gets_401_and_no_cookie() {
        Browser b = new Browser(server.baseUrl());
        Browser.Answer r = b.signIn(Bootstrap.ADMIN_EMAIL + ".nobody", "not the password");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("content-type")).startsWith("application/problem+json");
        assertThat(r.setCookies()).isEmpty();
        assertThat(b.get("/api/me").status()).isEqualTo(401);
    }

    @Test
    void a_cookie_authenticated_write_without_the_csrf_token_is_refused_and_changes_nothing() {
        Browser b = admin();
        db.awaitNoActiveSessions(java.time.Duration.ofSeconds(60));
        String before = db.dump();
        Browser.Answer noToken = b.send("POST", "/api/sessions", Map.of("prompt", "hello"), false, Map.of());
        assertThat(noToken.status()).isEqualTo(403);
        assertThat(noToken.header("content-type")).startsWith("application/problem+json");
        Browser.Answer wrongToken = b.send("POST", "/api/keys", Map.of("name", "x"), false, Map.of("X-CSRF-Token", "guess"));
        assertThat(wrongToken.status()).isEqualTo(403);
        assertThat(b.send("DELETE", "/api/keys/" + UUID.randomUUID(), null, false, Map.of()).status()).isEqualTo(403);
        assertThat(db.dump()).isEqualTo(before);

        assertThat(b.get("/api/sessions").status()).isEqualTo(200);
        assertThat(b.post("/api/keys", Map.of("name", "with token")).status()).isEqualTo(201);
    }

    @Test
    void signing_out_ends_the_browser_session_on_the_server() {
        Browser b = admin();
        String stolen = b.cookie("magnet_session");
        assertThat(b.post("/api/auth/signout", null).status()).isEqualTo(204);
        assertThat(b.get("/api/me").status()).isEqualTo(401);
        Browser replay = new Browser(server.baseUrl());
        replay.setCookie("magnet_session", stolen);
        assertThat(replay.get("/api/me").status()).isEqualTo(401);
    }

    @Test
    void a_login_brute_force_is_throttled_with_429_and_retry_after() {
        Browser admin = admin();
        String email = email();
        newMember(admin, email);
        Browser attacker = new Browser(server.baseUrl());
        for (int i = 0; i < 3; i++) {
            assertThat(attacker.signIn(email, "guess-number-" + i).status()).isEqualTo(401);
        }
        Browser.Answer throttled = attacker.signIn(email, "member-password-1");
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(Long.parseLong(throttled.header("Retry-After"))).isBetween(1L, 900L);
        assertThat(throttled.header("content-type")).startsWith("application/problem+json");
        assertThat(throttled.setCookies()).isEmpty();
    }

    @Test
    void keys_and_passwords_are_not_recoverable_from_the_database() {
        Browser b = admin();
        Browser.Answer created = b.post("/api/keys", Map.of("name", "ci"));
        assertThat(created.status()).isEqualTo(201);
        String key = created.json().path("key").asText();
        assertThat(key).startsWith("mgt_");
        assertThat(created.json().path("prefix").asText()).isEqualTo(key.substring(0, 12));

        String stored = db.dump();
        assertThat(stored).doesNotContain(key).doesNotContain(key.substring(12)).doesNotContain(TestServer.API_KEY)
                .doesNotContain(ADMIN_PASSWORD).doesNotContain(b.cookie("magnet_session"));
        assertThat(db.column("select password_hash from users where email = 'admin@localhost'"))
                .singleElement().asString().startsWith("$argon2id$");

        JsonNode listed = b.get("/api/keys").json().path("keys");
        assertThat(listed.toString()).doesNotContain(key);
        assertThat(b.get("/api/keys/" + created.json().path("id").asText()).json().has("key")).isFalse();
    }

    @Test
    void a_session_created_with_a_key_is_attributed_to_the_key_owner_and_a_revoked_key_gets_401_at_once() {
        Browser admin = admin();
        String email = email();
        Browser member = newMember(admin, email);
        String memberId = member.get("/api/me").json().path("user").path("id").asText();
        JsonNode created = member.post("/api/keys", Map.of("name", "laptop")).json();
        String key = created.path("key").asText();

        TestServer.Response session = server.send("POST", "/api/sessions", "{\"prompt\": \"attributed\"}", key, Map.of());
        assertThat(session.status()).isEqualTo(201);
        assertThat(session.session().path("author").path("id").asText()).isEqualTo(memberId);
        String sessionId = session.session().path("id").asText();
        assertThat(server.session(sessionId).path("author").path("name").asText()).isEqualTo("Member " + email);
        assertThat(server.send("GET", "/api/me", null, key, Map.of()).json().path("apiKeyId").asText())
                .isEqualTo(created.path("id").asText());
        assertThat(member.get("/api/keys").json().path("keys").get(0).path("lastUsedAt").isNull()).isFalse();

        JsonNode revoked = member.delete("/api/keys/" + created.path("id").asText()).json();
        assertThat(revoked.path("revokedAt").isNull()).isFalse();
        TestServer.Response after = server.send("GET", "/api/sessions", null, key, Map.of());
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.contentType()).startsWith("application/problem+json");

        List<String> actions = admin.get("/api/audit?limit=50").json().findValuesAsText("action");
        assertThat(actions).contains("session.create", "key.create", "key.revoke", "member.join", "member.invite");
        JsonNode createEntry = findEntry(admin, "session.create", sessionId);
        assertThat(createEntry.path("actor").path("name").asText()).isEqualTo("Member " + email);
        assertThat(createEntry.path("actor").path("apiKeyId").asText()).isEqualTo(created.path("id").asText());
    }

    @Test
    void the_audit_log_records_messages_interrupts_cancels_and_retries() {
        Browser admin = admin();
        String id = admin.post("/api/sessions", Map.of("prompt", "audited")).session().path("id").asText();
        server.awaitStatus(id, "completed", java.time.Duration.ofSeconds(90));
        assertThat(admin.post("/api/sessions/" + id + "/messages", Map.of("text", "more")).status()).isEqualTo(202);
        admin.post("/api/sessions/" + id + "/cancel", null);
        server.awaitStatus(id, "failed", java.time.Duration.ofSeconds(60));
        assertThat(admin.post("/api/sessions/" + id + "/retry", Map.of()).status()).isEqualTo(201);
        for (String action : List.of("session.create", "session.message", "session.cancel", "session.retry")) {
            assertThat(findEntry(admin, action, id).path("actor").path("name").asText()).as(action).isEqualTo("admin");
        }
        assertThat(findEntry(admin, "session.retry", id).path("actor").path("apiKeyId").isNull()).isTrue();
    }

    @Test
    void a_member_cannot_manage_other_members_keys_nor_membership_nor_read_the_audit_log() {
        Browser admin = admin();
        String adminKeyId = admin.post("/api/keys", Map.of("name", "admin's")).json().path("id").asText();
        String email = email();
        Browser member = newMember(admin, email);
        String memberId = member.get("/api/me").json().path("user").path("id").asText();

        assertThat(member.delete("/api/keys/" + adminKeyId).status()).isEqualTo(404);
        assertThat(member.get("/api/keys/" + adminKeyId).status()).isEqualTo(404);
        assertThat(member.get("/api/keys?all=true").status()).isEqualTo(403);
        assertThat(member.get("/api/keys").json().toString()).doesNotContain(adminKeyId);
        assertThat(member.get("/api/audit").status()).isEqualTo(403);
        assertThat(member.post("/api/workspace/invites", Map.of()).status()).isEqualTo(403);
        assertThat(member.patch("/api/workspace/members/" + memberId, Map.of("role", "admin")).status()).isEqualTo(403);
        assertThat(admin.get("/api/keys/" + adminKeyId).json().path("revokedAt").isNull()).isTrue();

        String memberKeyId = member.post("/api/keys", Map.of("name", "mine")).json().path("id").asText();
        assertThat(admin.get("/api/keys?all=true").json().toString()).contains(memberKeyId);
        assertThat(admin.delete("/api/keys/" + memberKeyId).status()).isEqualTo(200);
    }

    @Test
    void an_admin_promotes_and_removes_members_but_not_the_last_admin() {
        Browser admin = admin();
        String email = email();
        Browser member = newMember(admin, email);
        String memberId = member.get("/api/me").json().path("user").path("id").asText();
        String memberKey = member.post("/api/keys", Map.of("name", "k")).json().path("key").asText();
        String adminId = admin.get("/api/me").json().path("user").path("id").asText();

        assertThat(admin.patch("/api/workspace/members/" + adminId, Map.of("role", "member")).status()).isEqualTo(409);
        assertThat(admin.patch("/api/workspace/members/" + memberId, Map.of("role", "admin")).json().path("role").asText())
                .isEqualTo("admin");
        assertThat(member.get("/api/me").json().path("role").asText()).isEqualTo("admin");
        assertThat(admin.patch("/api/workspace/members/" + memberId, Map.of("role", "member")).status()).isEqualTo(200);

        assertThat(admin.delete("/api/workspace/members/" + memberId).status()).isEqualTo(204);
        assertThat(member.get("/api/sessions").status()).isEqualTo(401);
        assertThat(server.send("GET", "/api/sessions", null, memberKey, Map.of()).status()).isEqualTo(401);
    }

    @Test
    void an_invite_link_works_once_and_a_revoked_invite_not_at_all() {
        Browser admin = admin();
        JsonNode invite = admin.post("/api/workspace/invites", Map.of("role", "member", "email", "Invited@Example.test")).json();
        assertThat(invite.path("url").asText()).endsWith("/?invite=" + invite.path("token").asText());
        Browser anonymous = new Browser(server.baseUrl());
        assertThat(anonymous.get("/api/invites/" + invite.path("token").asText()).json().path("workspace").path("name").asText())
                .isEqualTo("Default");
        Browser.Answer wrongEmail = anonymous.post("/api/invites/" + invite.path("token").asText() + "/accept",
                Map.of("name", "Eve", "email", "eve@example.test", "password", "eve-password-1"));
        assertThat(wrongEmail.status()).isEqualTo(400);
        assertThat(wrongEmail.json().path("field").asText()).isEqualTo("email");
        Browser.Answer ok = anonymous.post("/api/invites/" + invite.path("token").asText() + "/accept",
                Map.of("name", "Invited", "email", "invited@example.test", "password", "invited-password-1"));
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.json().path("role").asText()).isEqualTo("member");
        assertThat(new Browser(server.baseUrl()).post("/api/invites/" + invite.path("token").asText() + "/accept",
                Map.of("name", "Again", "email", "again@example.test", "password", "again-password-1")).status()).isEqualTo(404);

        JsonNode revoked = admin.post("/api/workspace/invites", Map.of()).json();
        assertThat(admin.delete("/api/workspace/invites/" + revoked.path("id").asText()).status()).isEqualTo(204);
        assertThat(anonymous.get("/api/invites/" + revoked.path("token").asText()).status()).isEqualTo(404);
    }

    @Test
    void a_user_in_two_workspaces_switches_between_them_and_sees_only_the_current_ones_sessions() {
        Browser admin = admin();
        String email = email();
        Browser member = newMember(admin, email);
        JsonNode second = member.post("/api/workspaces", Map.of("name", "Side project")).json();
        assertThat(second.path("role").asText()).isEqualTo("admin");
        String firstId = member.get("/api/me").json().path("workspace").path("id").asText();
        String inFirst = member.post("/api/sessions", Map.of("prompt", "in the first")).session().path("id").asText();

        JsonNode switched = member.post("/api/me/workspace", Map.of("workspaceId", second.path("id").asText())).json();
        assertThat(switched.path("workspace").path("name").asText()).isEqualTo("Side project");
        assertThat(switched.path("role").asText()).isEqualTo("admin");
        assertThat(switched.path("workspaces")).hasSize(2);
        assertThat(member.get("/api/sessions/" + inFirst).status()).isEqualTo(404);
        assertThat(member.get("/api/sessions").json().path("sessions")).isEmpty();

        assertThat(admin.post("/api/me/workspace", Map.of("workspaceId", second.path("id").asText())).status()).isEqualTo(404);
        member.post("/api/me/workspace", Map.of("workspaceId", firstId));
        assertThat(member.get("/api/sessions/" + inFirst).status()).isEqualTo(200);
    }

    @Test
    void a_key_over_its_rate_limit_gets_429_with_retry_after() {
        Browser admin = admin();
        String key = admin.post("/api/keys", Map.of("name", "slow", "rateLimitPerMinute", 2)).json().path("key").asText();
        assertThat(server.send("GET", "/api/me", null, key, Map.of()).status()).isEqualTo(200);
        assertThat(server.send("GET", "/api/me", null, key, Map.of()).status()).isEqualTo(200);
        TestServer.Response limited = server.send("GET", "/api/me", null, key, Map.of());
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.contentType()).startsWith("application/problem+json");
    }

    @Test
    void the_bootstrap_key_keeps_working_and_a_password_can_be_changed() {
        assertThat(server.get("/api/me").json().path("user").path("email").asText()).isEqualTo(Bootstrap.ADMIN_EMAIL);
        Browser admin = admin();
        String email = email();
        Browser member = newMember(admin, email);
        assertThat(member.post("/api/me/password", Map.of("currentPassword", "wrong-one-here", "newPassword", "new-password-22"))
                .status()).isEqualTo(401);
        assertThat(member.post("/api/me/password", Map.of("currentPassword", "member-password-1", "newPassword", "new-password-22"))
                .status()).isEqualTo(204);
        assertThat(new Browser(server.baseUrl()).signIn(email, "new-password-22").status()).isEqualTo(200);
    }

    private static JsonNode findEntry(Browser admin, String action, String target) {
        for (JsonNode e : admin.get("/api/audit?limit=500&action=" + action).json().path("entries")) {
            if (target.equals(e.path("target").path("id").asText())) {
                return e;
            }
        }
        throw new AssertionError("no audit entry " + action + " for " + target);
    }
}
