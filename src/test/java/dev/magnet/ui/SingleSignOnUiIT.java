package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.FakeOidcProvider;
import dev.magnet.testing.TestServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

/** Single sign-on from the web UI's sign-in page, in a real headless Chromium against the local fake provider. */
class SingleSignOnUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    private static FakeAnthropic model;
    private static FakeOidcProvider provider;
    private static TestServer server;
    private static Browser browser;

    @BeforeAll
    static void start() throws IOException {
        model = FakeAnthropic.start();
        provider = FakeOidcProvider.start();
        // why: the provider sends the browser back to MAGNET_PUBLIC_URL, which needs the real port (not 0)
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String publicUrl = "http://localhost:" + port;
        server = TestServer.start(dir.resolve("data"), model, Map.of(
                "MAGNET_PORT", Integer.toString(port),
                "MAGNET_PUBLIC_URL", publicUrl,
                "MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD,
                "MAGNET_OIDC_ISSUER", provider.issuer(),
                "MAGNET_OIDC_CLIENT_ID", FakeOidcProvider.CLIENT_ID,
                "MAGNET_OIDC_CLIENT_SECRET", FakeOidcProvider.CLIENT_SECRET,
                "MAGNET_OIDC_NAME", "Test IdP"));
        // why: the sign-in cookies must belong to the host of the callback, so the browser starts there too
        browser = Browser.start(publicUrl, dir.resolve("chromium-profile"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        server.close();
        provider.close();
        model.close();
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
