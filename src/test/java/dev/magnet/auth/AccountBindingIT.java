package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.Browser;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.FakeOidcProvider;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestResource;
import dev.magnet.testing.TestServer;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which email an account has, and what it may do with it: invites made for an address, single sign-on that links only
 * to verified addresses, and who may create workspaces. The real server over HTTP, with a local identity provider.
 */
class AccountBindingIT {
    private static final String ADMIN_PASSWORD = "admin-password-for-tests";
    @RegisterExtension
    @Order(1)
    static final TestResource<FakeOidcProvider> oidcProvider = TestResource.of(FakeOidcProvider::start);
    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(() -> Map.of(
            "MAGNET_ADMIN_PASSWORD", ADMIN_PASSWORD,
            "MAGNET_OIDC_ISSUER", oidcProvider.get().issuer(),
            "MAGNET_OIDC_CLIENT_ID", FakeOidcProvider.CLIENT_ID,
            "MAGNET_OIDC_CLIENT_SECRET", FakeOidcProvider.CLIENT_SECRET));
    static FakeOidcProvider provider;
    static TestServer server;

    @BeforeAll
    static void start() {
        provider = oidcProvider.get();
        server = magnet.server();
    }

    static Browser admin(TestServer on) {
        Browser b = new Browser(on.baseUrl());
        assertThat(b.signIn(Bootstrap.ADMIN_EMAIL, ADMIN_PASSWORD).status()).isEqualTo(200);
        return b;
    }

    /** An invite of the admin's workspace, for {@code email} (null: for anyone); returns its token. */
    static String invite(Browser admin, String email) {
        Map<String, Object> body = email == null ? Map.of("role", "member") : Map.of("role", "member", "email", email);
        Browser.Answer created = admin.post("/api/workspace/invites", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("token").asText();
    }

    static Browser.Answer signUp(Browser browser, String token, String email) {
        return browser.post("/api/invites/" + token + "/accept",
                Map.of("name", "Someone", "email", email, "password", "a-password-for-" + email));
    }

    Browser.Answer singleSignOn(Browser browser) {
        Browser.Answer start = browser.get("/api/auth/oidc/start");
        assertThat(start.status()).as(start.body()).isEqualTo(302);
        URI callback = URI.create(new Browser("").get(start.header("Location")).header("Location"));
        return browser.get(callback.getRawPath() + "?" + callback.getRawQuery());
    }

    @Test
    void an_invite_made_for_an_email_makes_no_account_with_another_email() {
        String token = invite(admin(server), "invited-one@corp.test");
        Browser stranger = new Browser(server.baseUrl());
        Browser.Answer refused = signUp(stranger, token, "eve@corp.test");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("field").asText()).isEqualTo("email");
        assertThat(refused.json().path("detail").asText()).contains("invited-one@corp.test");
        assertThat(stranger.get("/api/me").status()).isEqualTo(401);
        assertThat(new Browser(server.baseUrl()).signIn("eve@corp.test", "a-password-for-eve@corp.test").status())
                .isEqualTo(401);

        Browser invited = new Browser(server.baseUrl());
        assertThat(signUp(invited, token, "Invited-One@corp.test").status()).isEqualTo(200);
        assertThat(invited.get("/api/me").json().path("user").path("email").asText()).isEqualTo("invited-one@corp.test");
    }

    @Test
    void a_signed_in_user_with_another_email_cannot_join_through_an_invite_made_for_an_email() {
        Browser admin = admin(server);
        Browser member = new Browser(server.baseUrl());
        assertThat(signUp(member, invite(admin, null), "mallory@corp.test").status()).isEqualTo(200);
        String workspace = admin.post("/api/workspaces", Map.of("name", "Private")).json().path("id").asText();
        admin.post("/api/me/workspace", Map.of("workspaceId", workspace));
        Browser.Answer joined = member.post("/api/invites/" + invite(admin, "alice@corp.test") + "/accept", null);
        assertThat(joined.status()).isEqualTo(400);
        assertThat(joined.json().path("field").asText()).isEqualTo("email");
        assertThat(member.get("/api/me").json().path("workspaces")).hasSize(1);
    }

    @Test
    void single_sign_on_does_not_link_to_a_password_account_whose_email_was_never_verified() {
        Browser squatter = new Browser(server.baseUrl());
        assertThat(signUp(squatter, invite(admin(server), null), "victim@corp.test").status()).isEqualTo(200);

        provider.signInAs("sub-victim", "victim@corp.test", true, "The real victim");
        Browser victim = new Browser(server.baseUrl());
        Browser.Answer done = singleSignOn(victim);
        assertThat(done.header("Location")).startsWith("/?signInError=").contains("verified");
        assertThat(victim.cookie("magnet_session")).isNull();
        assertThat(victim.get("/api/me").status()).isEqualTo(401);
    }

    @Test
    void single_sign_on_links_to_an_account_made_by_an_invite_for_its_email() {
        Browser invited = new Browser(server.baseUrl());
        assertThat(signUp(invited, invite(admin(server), "carol@corp.test"), "carol@corp.test").status()).isEqualTo(200);
        String userId = invited.get("/api/me").json().path("user").path("id").asText();

        provider.signInAs("sub-carol", "carol@corp.test", true, "Carol");
        Browser viaProvider = new Browser(server.baseUrl());
        assertThat(singleSignOn(viaProvider).header("Location")).isEqualTo("/");
        assertThat(viaProvider.get("/api/me").json().path("user").path("id").asText()).isEqualTo(userId);
    }

    @Test
    void only_admins_of_some_workspace_create_workspaces_by_default() {
        Browser admin = admin(server);
        Browser member = new Browser(server.baseUrl());
        assertThat(signUp(member, invite(admin, "dave@corp.test"), "dave@corp.test").status()).isEqualTo(200);

        Browser.Answer refused = member.post("/api/workspaces", Map.of("name", "Dave's"));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().path("detail").asText()).contains("MAGNET_WORKSPACE_CREATORS");
        assertThat(member.get("/api/me").json().path("workspaces")).hasSize(1);

        Browser.Answer created = admin.post("/api/workspaces", Map.of("name", "Admin's second"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().path("role").asText()).isEqualTo("admin");
    }

    @Test
    void a_list_of_creators_matches_only_verified_addresses() {
        FakeAnthropic otherModel = FakeAnthropic.start();
        try (TestServer listed = TestServer.start(magnet.dir().resolve("listed"), otherModel, Map.of(
                "MAGNET_ADMIN_PASSWORD", ADMIN_PASSWORD,
                "MAGNET_WORKSPACE_CREATORS", "boss@corp.test, Chief@corp.test"))) {
            Browser admin = admin(listed);
            Browser boss = new Browser(listed.baseUrl());
            assertThat(signUp(boss, invite(admin, "boss@corp.test"), "boss@corp.test").status()).isEqualTo(200);
            Browser chief = new Browser(listed.baseUrl());
            assertThat(signUp(chief, invite(admin, null), "chief@corp.test").status()).isEqualTo(200);

            assertThat(boss.post("/api/workspaces", Map.of("name", "Boss's")).status()).isEqualTo(201);
            Browser.Answer unverified = chief.post("/api/workspaces", Map.of("name", "Chief's"));
            assertThat(unverified.status()).isEqualTo(403);
            assertThat(unverified.json().path("detail").asText()).contains("MAGNET_WORKSPACE_CREATORS");
            JsonNode refusedAdmin = admin.post("/api/workspaces", Map.of("name", "Admin's")).json();
            assertThat(refusedAdmin.path("status").asInt()).as("the admin is not on the list").isEqualTo(403);
        } finally {
            otherModel.close();
        }
    }
}
