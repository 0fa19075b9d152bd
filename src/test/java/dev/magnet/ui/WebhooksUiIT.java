package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.WebhookReceiver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.WebElement;

/**
 * Settings → Webhooks in a real headless Chromium: an admin creates a webhook (its secret shown once), sees its
 * deliveries with their answers, and sends one again.
 */
class WebhooksUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD));
    private final WebhookReceiver receiver = WebhookReceiver.start();
    private Browser browser;

    @AfterEach
    void stop() {
        if (browser != null) {
            assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
            browser.close();
        }
        receiver.close();
    }

    @Test
    void an_admin_creates_a_webhook_sees_its_deliveries_and_sends_one_again() {
        TestServer server = magnet.server();
        browser = Browser.start(server.baseUrl(), magnet.dir().resolve("chromium-profile"));
        browser.open("/");
        browser.submitSignIn(WebUiIT.ADMIN_EMAIL, WebUiIT.ADMIN_PASSWORD, TIMEOUT);
        browser.awaitVisible(".account-menu", TIMEOUT);
        browser.open("/webhooks");
        browser.awaitVisible("input#webhook-url", TIMEOUT).sendKeys(receiver.url("/ui"));
        for (WebElement box : browser.all("input[name=events]")) {
            if (!"session.created".equals(box.getAttribute("value"))) {
                box.click();
            }
        }
        browser.find("form.key-form button[type=submit]").click();
        assertThat(browser.awaitVisible("#webhook-secret", TIMEOUT).getText()).startsWith("whsec_");
        browser.awaitVisible("section.webhook", TIMEOUT);
        assertThat(browser.text("section.webhook")).contains(receiver.url("/ui")).contains("session.created")
                .doesNotContain("pr.opened");

        server.createSession(Map.of("prompt", "hello"));
        receiver.await(r -> true, 1, TIMEOUT);
        browser.await(TIMEOUT, "the delivery", d -> {
            browser.open("/webhooks");
            browser.awaitVisible("section.webhook", TIMEOUT);
            return browser.text("section.webhook table.deliveries").contains("HTTP 200");
        });
        browser.screenshot("webhooks");
        browser.find("table.deliveries tr[data-id] button").click();
        receiver.await(r -> true, 2, TIMEOUT);
        assertThat(receiver.received().get(1).text()).isEqualTo(receiver.received().get(0).text());
    }
}
