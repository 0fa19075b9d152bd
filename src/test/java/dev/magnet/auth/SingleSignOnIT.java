package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.Browser;
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

/** Single sign-on against a local OpenID Connect provider: code flow with PKCE, verified ID tokens, invites. */
class SingleSignOnIT {
    @RegisterExtension
    @Order(1)
    static final TestResource<FakeOidcProvider> oidcProvider = TestResource.of(FakeOidcProvider::start);
    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(() -> Map.of(
            "MAGNET_ADMIN_PASSWORD", "admin-password-for-tests",
            "MAGNET_OIDC_ISSUER", oidcProvider.get().issuer(),
            "MAGNET_OIDC_CLIENT_ID", FakeOidcProvider.CLIENT_ID,
            "MAGNET_OIDC_CLIENT_SECRET", FakeOidcProvider.CLIENT_SECRET,
            "MAGNET_OIDC_NAME", "Test IdP"));
    static FakeOidcProvider provider;
    static TestServer server;

    @BeforeAll
    static void start() {
        provider = oidcProvider.get();
        server = magnet.server();
    }

    /** Runs the browser through start, provider and callback; returns the callback's answer. */
    Browser.Answer signIn(Browser browser, String startPath) {
        Browser.Answer start = browser.get(startPath);
        assertThat(start.status()).as(start.body()).isEqualTo(302);
        assertThat(start.header("Location")).startsWith(provider.issuer() + "/authorize?");
        Browser provider = new Browser("");
        Browser.Answer authorized = provider.get(start.header("Location"));
        assertThat(authorized.status()).isEqualTo(302);
        URI callback = URI.create(authorized.header("Location"));
        return browser.get(callback.getRawPath() + "?" + callback.getRawQuery());
    }

    @Test
    void the_sign_in_page_learns_that_single_sign_on_is_offered() {
        var config = new Browser(server.baseUrl()).get("/api/auth/config").json();
        assertThat(config.path("oidc").path("enabled").asBoolean()).isTrue();
        assertThat(config.path("oidc").path("name").asText()).isEqualTo("Test IdP");
    }

    @Test
    void a_user_with_a_verified_email_of_an_existing_account_signs_in_and_is_linked() {
        provider.signInAs("sub-admin", Bootstrap.ADMIN_EMAIL, true, "Admin at IdP");
        Browser browser = new Browser(server.baseUrl());
        Browser.Answer done = signIn(browser, "/api/auth/oidc/start");
        assertThat(done.status()).isEqualTo(302);
        assertThat(done.header("Location")).isEqualTo("/");
        assertThat(browser.get("/api/me").json().path("user").path("email").asText()).isEqualTo(Bootstrap.ADMIN_EMAIL);

        provider.signInAs("sub-admin", "changed@idp.test", false, "Admin at IdP");
        Browser again = new Browser(server.baseUrl());
        signIn(again, "/api/auth/oidc/start");
        assertThat(again.get("/api/me").json().path("user").path("email").asText()).isEqualTo(Bootstrap.ADMIN_EMAIL);
    }

    @Test
    void a_stranger_without_an_invite_is_sent_back_with_an_error_and_no_cookie() {
        provider.signInAs("sub-stranger", "stranger@idp.test", true, "Stranger");
        Browser browser = new Browser(server.baseUrl());
        Browser.Answer done = signIn(browser, "/api/auth/oidc/start");
        assertThat(done.header("Location")).startsWith("/?signInError=");
        assertThat(browser.cookie("magnet_session")).isNull();
        assertThat(browser.get("/api/me").status()).isEqualTo(401);
    }

    @Test
    void an_unverified_email_does_not_take_over_an_existing_account() {
        provider.signInAs("sub-impostor", Bootstrap.ADMIN_EMAIL, false, "Impostor");
        Browser browser = new Browser(server.baseUrl());
        assertThat(signIn(browser, "/api/auth/oidc/start").header("Location")).startsWith("/?signInError=");
        assertThat(browser.get("/api/me").status()).isEqualTo(401);
    }

    @Test
    void a_new_person_with_an_invite_joins_the_workspace_through_single_sign_on() {
        Browser admin = new Browser(server.baseUrl());
        admin.signIn(Bootstrap.ADMIN_EMAIL, "admin-password-for-tests");
        String token = admin.post("/api/workspace/invites", Map.of("role", "member")).json().path("token").asText();
        provider.signInAs("sub-newcomer", "newcomer@idp.test", true, "Newcomer");
        Browser browser = new Browser(server.baseUrl());
        assertThat(signIn(browser, "/api/auth/oidc/start?invite=" + token).header("Location")).isEqualTo("/");
        var me = browser.get("/api/me").json();
        assertThat(me.path("user").path("name").asText()).isEqualTo("Newcomer");
        assertThat(me.path("role").asText()).isEqualTo("member");
        assertThat(me.path("workspace").path("name").asText()).isEqualTo("Default");
    }

    @Test
    void a_forged_id_token_or_a_callback_without_the_starting_browser_signs_nobody_in() {
        provider.signInAs("sub-admin", Bootstrap.ADMIN_EMAIL, true, "Admin");
        provider.forgeTokens(true);
        try {
            Browser browser = new Browser(server.baseUrl());
            assertThat(signIn(browser, "/api/auth/oidc/start").header("Location")).startsWith("/?signInError=");
            assertThat(browser.cookie("magnet_session")).isNull();
        } finally {
            provider.forgeTokens(false);
        }
        Browser starter = new Browser(server.baseUrl());
        Browser.Answer start = starter.get("/api/auth/oidc/start");
        URI callback = URI.create(new Browser("").get(start.header("Location")).header("Location"));
        Browser other = new Browser(server.baseUrl());
        Browser.Answer done = other.get(callback.getRawPath() + "?" + callback.getRawQuery());
        assertThat(done.header("Location")).startsWith("/?signInError=");
        assertThat(other.cookie("magnet_session")).isNull();
    }
}
