package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.FakeOidcProvider;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.WebElement;

/** Single sign-on from the web UI's sign-in page, in a real headless Chromium against the local fake provider. */
class SingleSignOnUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    @Order(1)
    static final TestResource<FakeOidcProvider> oidcProvider = TestResource.of(FakeOidcProvider::start);
    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(() -> {
        // why: the provider sends the browser back to MAGNET_PUBLIC_URL, which needs the real port (not 0)
        int port = freePort();
        return Map.of(
                "MAGNET_PORT", Integer.toString(port),
                "MAGNET_PUBLIC_URL", publicUrl(port),
                "MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD,
                "MAGNET_OIDC_ISSUER", oidcProvider.get().issuer(),
                "MAGNET_OIDC_CLIENT_ID", FakeOidcProvider.CLIENT_ID,
                "MAGNET_OIDC_CLIENT_SECRET", FakeOidcProvider.CLIENT_SECRET,
                "MAGNET_OIDC_NAME", "Test IdP");
    });

    private static FakeOidcProvider provider;
    private static Browser browser;

    @BeforeAll
    static void start() {
        provider = oidcProvider.get();
        // why: the sign-in cookies must belong to the host of the callback, so the browser starts there too
        browser = Browser.start(publicUrl(magnet.server().magnet().port()), magnet.dir().resolve("chromium-profile"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    private static String publicUrl(int port) {
        return "http://localhost:" + port;
    }

    private static int freePort() {
        try (ServerSocket free = new ServerSocket(0)) {
            return free.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void signedOut() {
        browser.open("/app/icon.svg");
        browser.deleteCookies();
        browser.consoleErrors();
    }

    @AfterEach
    void noConsoleErrors() {
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    @Test
    void the_provider_button_signs_in_a_known_user_and_opens_the_dashboard() {
        provider.signInAs("admin-subject", "admin@localhost", true, "admin");
        browser.open("/");
        WebElement button = browser.awaitVisible(".sso a.button", TIMEOUT);
        assertThat(button.getText()).isEqualTo("Sign in with Test IdP");
        browser.screenshot("sign-in-sso");
        button.click();
        browser.awaitVisible(".stats .stat-card", TIMEOUT);
        assertThat(browser.text(".account-menu summary")).contains("admin");
    }

    @Test
    void a_provider_user_without_an_account_or_invite_comes_back_to_the_sign_in_page_with_the_reason() {
        provider.signInAs("stranger-subject", "stranger@example.com", true, "Stranger");
        browser.open("/");
        browser.awaitVisible(".sso a.button", TIMEOUT).click();
        browser.await(TIMEOUT, "the reason", d -> browser.text("#signin-error") != null
                && browser.text("#signin-error").startsWith("Single sign-on failed:"));
        assertThat(browser.all(".account-menu")).isEmpty();
        assertThat(browser.url()).doesNotContain("signInError");
    }
}
