package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakePackageIndex;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Environments in the web UI, in a real headless Chromium against the real server and CLI: an admin creates one on
 * Settings → Environments (scripts, variables, a write-only secret, the agent's network policy), picks it in the
 * new-session form, sees the setup output under the timeline and the network summary on the session page, and allows
 * a denied host for the environment in one click.
 */
class EnvironmentsUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String SECRET = "ui-secret-" + Long.toHexString(System.nanoTime());

    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of(
            "MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD));
    private static Browser browser;
    private static TestServer server;
    private static FakePackageIndex index;

    @BeforeAll
    static void start() {
        server = magnet.server();
        index = FakePackageIndex.start();
        browser = Browser.start(server.baseUrl(), magnet.dir().resolve("chromium-profile"));
        browser.open("/");
        browser.submitSignIn(WebUiIT.ADMIN_EMAIL, WebUiIT.ADMIN_PASSWORD, TIMEOUT);
        browser.awaitVisible(".account-menu", TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        index.close();
    }

    @AfterEach
    void noConsoleErrors() {
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    @Test
    void an_admin_creates_an_environment_runs_a_session_in_it_and_allows_a_denied_host_in_one_click() {
        browser.resize(1280, 900);
        browser.open("/environments");
        browser.awaitVisible(".page-head a.button.primary", TIMEOUT).click();
        browser.awaitVisible("input#name", TIMEOUT).sendKeys("Python tools");
        browser.find("textarea#setupScript").sendKeys("echo setting up for the ui test");
        browser.find("textarea#env").sendKeys("GREETING=hello");
        browser.find("textarea#newSecrets").sendKeys("API_TOKEN=" + SECRET);
        new Select(browser.find("select#agent-policy")).selectByValue("none");
        browser.find("input#checkFollowUps").sendKeys("2");
        browser.screenshot("environment-new");
        browser.find("form.environment button[type=submit]").click();
        browser.await(TIMEOUT, "the list", d -> browser.url().endsWith("/environments"));
        browser.awaitVisible("table.environments tr[data-id]", TIMEOUT);
        assertThat(browser.text("table.environments")).contains("Python tools").contains("echo setting up");
        String envId = browser.attribute("table.environments tr[data-id]", "data-id");

        browser.find("table.environments tr[data-id] a").click();
        browser.await(TIMEOUT, "the secret's name", d -> browser.text(".secret-names").contains("API_TOKEN"));
        assertThat(browser.pageText()).doesNotContain(SECRET);
        assertThat((String) browser.js("return document.documentElement.outerHTML")).doesNotContain(SECRET);
        assertThat(browser.find("input#checkFollowUps").getAttribute("value")).isEqualTo("2");
        assertThat(server.get("/api/environments/" + envId).json().path("checkFollowUps").asInt()).isEqualTo(2);
        browser.screenshot("environment-edit");

        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "curl -s -o /dev/null -w 'index=%{http_code}\\n' "
                        + index.simpleUrl() + FakePackageIndex.PACKAGE + "/", "description", "reach the index")),
                Turn.reply().text("The index is out of reach.")));
        browser.open("/new");
        browser.awaitVisible("textarea#prompt", TIMEOUT).sendKeys("Reach the index");
        browser.await(TIMEOUT, "the environment choice", d -> !browser.all("select#environmentId option[value='" + envId + "']").isEmpty());
        new Select(browser.find("select#environmentId")).selectByValue(envId);
        browser.find("form.new-session button[type=submit]").click();
        browser.await(TIMEOUT, "the session page", d -> browser.url().matches(".*/sessions/[0-9a-f-]+$"));
        String id = browser.url().replaceAll(".*/sessions/", "");

        WebElement setup = browser.awaitVisible("details.setup-output", TIMEOUT);
        assertThat(setup.getAttribute("open")).as("collapsed").isNull();
        setup.click();
        assertThat(browser.text(".setup-log")).contains("setting up for the ui test");
        String host = FakePackageIndex.HOST + ":" + index.port();
        WebElement denied = browser.awaitVisible(".egress-summary li.denied[data-host='" + host + "']", TIMEOUT);
        assertThat(denied.getText()).contains("denied").contains(host).contains("×1").contains("agent");
        server.awaitStatus(id, "completed", TIMEOUT);
        browser.screenshot("session-environment");

        browser.find(".egress-summary li.denied[data-host='" + host + "'] button.allow-host").click();
        browser.await(TIMEOUT, "the allowed host", d -> browser.text(".egress-summary").contains("allowed from the next session"));
        JsonNode env = server.get("/api/environments/" + envId).json();
        assertThat(env.path("network").path("agent").path("allow")).extracting(JsonNode::asText).containsExactly(host);
        assertThat(server.session(id).path("environmentId").asText()).isEqualTo(envId);

        browser.resize(390, 844);
        for (String page : List.of("/environments", "/environments/" + envId, "/sessions/" + id)) {
            browser.open(page);
            browser.await(TIMEOUT, page, d -> {
                String title = browser.text("main h1");
                return title != null && !title.isBlank() && !title.startsWith("Loading");
            });
            assertThat(horizontalOverflow()).as(page + " fits a phone").isEmpty();
        }
        browser.screenshot("environment-phone");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> horizontalOverflow() {
        return (List<Object>) browser.js("return [...document.querySelectorAll('body *')]"
                + ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
                + ".filter(e => !e.parentElement.closest('.scroll, .timeline'))"
                + ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))");
    }
}
