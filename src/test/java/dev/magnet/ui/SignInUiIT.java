package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Browser sign-in in the web UI, in a real headless Chromium against the real server: the sign-in page, the
 * cookie session with its CSRF token on writes, sign-out, the account menu, invite links and the API keys page.
 */
class SignInUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String ADMIN_EMAIL = WebUiIT.ADMIN_EMAIL;
    private static final String ADMIN_PASSWORD = WebUiIT.ADMIN_PASSWORD;

    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ADMIN_PASSWORD", ADMIN_PASSWORD));

    private static FakeAnthropic model;
    private static TestServer server;
    private static Browser browser;
    private static Path origin;

    @BeforeAll
    static void start() {
        model = magnet.model();
        server = magnet.server();
        origin = GitFixtures.bareOrigin(magnet.dir(), 2);
        browser = Browser.start(server.baseUrl(), magnet.dir().resolve("chromium-profile"));
        browser.open("/app/icon.svg");
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void signedOutWithADesktopWindow() {
        browser.resize(1280, 900);
        browser.deleteCookies();
        browser.consoleErrors();
    }

    @AfterEach
    void noConsoleErrors() {
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    @Test
    void signing_in_with_the_admin_password_shows_the_dashboard_with_the_user_in_the_header() {
        browser.open("/");
        WebElement email = browser.awaitVisible("form.signin-form input#signin-email", TIMEOUT);
        assertThat(browser.js("return document.activeElement.id")).as("the email field has the focus").isEqualTo("signin-email");
        assertThat(browser.all("label[for='signin-email'], label[for='signin-password']")).hasSize(2);
        assertThat(browser.all(".topbar nav")).allSatisfy(nav -> assertThat(nav.isDisplayed()).isFalse());
        assertThat(browser.all(".sso:not([hidden])")).as("no single sign-on button without a provider").isEmpty();
        browser.screenshot("sign-in");
        browser.resize(390, 844);
        assertThat(horizontalOverflow()).as("the sign-in page fits a phone").isEmpty();
        browser.screenshot("sign-in-phone");
        browser.resize(1280, 900);

        email.sendKeys(ADMIN_EMAIL);
        browser.find("input#signin-password").sendKeys(ADMIN_PASSWORD, Keys.ENTER);
        browser.awaitVisible(".stats .stat-card", TIMEOUT);
        assertThat(browser.text(".account-menu summary")).contains("admin").contains("Default");
        assertThat(browser.cookie("magnet_csrf")).isNotBlank();
        browser.find(".account-menu summary").click();
        assertThat(browser.text(".menu-panel")).contains("admin@localhost").contains("Workspace: Default");
        browser.screenshot("signed-in-menu");
        browser.resize(390, 844);
        assertThat(horizontalOverflow()).as("the dashboard with the account menu fits a phone").isEmpty();
    }

    @Test
    void a_wrong_password_shows_an_error_and_the_visitor_stays_on_the_sign_in_page() {
        browser.open("/");
        browser.submitSignIn(ADMIN_EMAIL, "certainly-not-it", TIMEOUT);
        browser.await(TIMEOUT, "the error", d -> browser.text("#signin-error").equals("The email or password is wrong."));
        browser.consoleErrors(); // why: the refused sign-in's 401 is logged by the browser, as intended
        assertThat(browser.js("return document.activeElement.id")).isEqualTo("signin-password");
        assertThat(browser.cookie("magnet_session")).isNull();
        assertThat(browser.all(".account-menu")).isEmpty();
        browser.screenshot("sign-in-error");
    }

    @Test
    void signing_out_returns_to_the_sign_in_page_and_the_old_cookie_no_longer_works() {
        signIn();
        String cookie = browser.cookie("magnet_session");
        assertThat(server.send("GET", "/api/me", null, null, Map.of("Cookie", "magnet_session=" + cookie)).status()).isEqualTo(200);

        browser.find(".account-menu summary").click();
        browser.awaitVisible("button#sign-out", TIMEOUT).click();
        browser.awaitVisible("form.signin-form", TIMEOUT);
        assertThat(browser.text("#signin-error")).isEqualTo("You are signed out.");
        assertThat(browser.cookie("magnet_session")).isNull();
        assertThat(server.send("GET", "/api/me", null, null, Map.of("Cookie", "magnet_session=" + cookie)).status()).isEqualTo(401);
        browser.open("/");
        browser.awaitVisible("form.signin-form", TIMEOUT);
    }

    @Test
    void a_session_created_from_the_form_while_signed_in_is_attributed_to_the_user() {
        model.script(Script.of(Turn.reply().text("Hello from the form.")));
        signIn();
        browser.open("/new");
        browser.awaitVisible("textarea#prompt", TIMEOUT).sendKeys("Say hello from a cookie session");
        browser.find("input#repo").sendKeys(origin.toString());
        browser.find("textarea#prompt").sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        browser.await(TIMEOUT, "the session page", d -> browser.url().matches(".*/sessions/[0-9a-f-]+$"));
        String id = browser.url().replaceAll(".*/sessions/", "");
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        String admin = server.get("/api/me").json().path("user").path("id").asText();
        assertThat(done.path("author").path("id").asText()).isEqualTo(admin);
        browser.await(TIMEOUT, "the reply", d -> browser.pageText().contains("Hello from the form."));
    }

    @Test
    void a_write_with_a_stale_csrf_token_fetches_the_current_one_and_succeeds() {
        signIn();
        browser.open("/keys");
        browser.awaitVisible("input#key-name", TIMEOUT);
        browser.js("document.cookie = 'magnet_csrf=stale-token; path=/'");
        browser.find("input#key-name").sendKeys("after a stale token", Keys.ENTER);
        browser.awaitVisible("#new-key-value", TIMEOUT);
        browser.consoleErrors(); // why: the first attempt's 403 is logged by the browser before the retry
        assertThat(browser.text("table.keys")).contains("after a stale token");
    }

    @Test
    void an_api_key_created_in_the_ui_is_shown_once_works_and_is_refused_once_revoked() {
        signIn();
        browser.find(".account-menu summary").click();
        browser.awaitVisible(".menu-panel a[href='/keys']", TIMEOUT).click();
        WebElement name = browser.awaitVisible("input#key-name", TIMEOUT);
        assertThat(browser.js("return document.activeElement.id")).isEqualTo("key-name");
        name.sendKeys("deploy script");
        browser.find("form.key-form button[type=submit]").click();
        String key = browser.awaitVisible("#new-key-value", TIMEOUT).getText();
        assertThat(key).startsWith("mgt_");
        assertThat(browser.js("return document.activeElement.textContent")).isEqualTo("Copy");
        browser.await(TIMEOUT, "the new row", d -> browser.text("table.keys").contains("deploy script"));
        WebElement row = rowNamed("deploy script");
        assertThat(row.getText()).contains(key.substring(0, 8)).contains("never");
        browser.screenshot("keys-created");

        assertThat(server.send("GET", "/api/sessions", null, key, Map.of()).status()).isEqualTo(200);
        browser.open("/keys");
        browser.await(TIMEOUT, "the key's last use", d -> rowText("deploy script") != null && !rowText("deploy script").contains("never"));
        assertThat(browser.all("#new-key-value")).as("the key is shown once only").isEmpty();

        rowNamed("deploy script").findElement(org.openqa.selenium.By.cssSelector("button")).click();
        WebElement dialog = browser.awaitVisible("dialog.confirm", TIMEOUT);
        assertThat(dialog.getText()).contains("deploy script");
        dialog.findElement(org.openqa.selenium.By.cssSelector("button[value='yes']")).click();
        browser.await(TIMEOUT, "the revoked badge", d -> rowText("deploy script") != null && rowText("deploy script").contains("revoked"));
        assertThat(server.send("GET", "/api/sessions", null, key, Map.of()).status()).isEqualTo(401);
        browser.screenshot("keys");
        browser.resize(390, 844);
        assertThat(horizontalOverflow()).as("the keys page fits a phone").isEmpty();
        browser.screenshot("keys-phone");
    }

    @Test
    void an_invite_link_creates_an_account_signs_it_in_and_cannot_be_used_twice() {
        JsonNode invite = server.post("/api/workspace/invites", Map.of("role", "member")).json();
        String path = invite.path("url").asText().replaceAll("^https?://[^/]+", "");
        assertThat(path).startsWith("/?invite=");
        browser.open(path);
        browser.awaitVisible("input#invite-name", TIMEOUT).sendKeys("Grace Hopper");
        assertThat(browser.text("#invite-title")).isEqualTo("Join Default");
        browser.find("input#invite-email").sendKeys("grace@example.com");
        browser.find("input#invite-password").sendKeys("a-long-enough-password", Keys.ENTER);
        browser.awaitVisible(".stats .stat-card", TIMEOUT);
        assertThat(browser.url()).doesNotContain("invite");
        assertThat(browser.text(".account-menu summary")).contains("Grace Hopper");

        browser.deleteCookies();
        browser.open(path);
        browser.await(TIMEOUT, "the refusal", d -> browser.pageText().contains("This invite cannot be used"));
        browser.consoleErrors(); // why: the used invite's 404 is logged by the browser, as intended
    }

    @Test
    void a_signed_in_user_accepts_an_invite_and_switches_between_their_workspaces() {
        JsonNode other = server.post("/api/workspaces", Map.of("name", "Research")).json();
        String workspaceId = other.path("id").asText();
        signIn();
        browser.find(".account-menu summary").click();
        Select select = new Select(browser.awaitVisible("select#workspace", TIMEOUT));
        assertThat(select.getOptions()).hasSize(2);
        select.selectByValue(workspaceId);
        browser.await(TIMEOUT, "the switch", d -> browser.text(".account-menu summary").contains("Research"));
        browser.awaitVisible(".stats .stat-card", TIMEOUT);
        assertThat(browser.all(".session-row")).as("Research has no sessions yet").isEmpty();
        browser.open("/");
        browser.await(TIMEOUT, "the menu after a reload", d -> browser.text(".account-menu summary") != null
                && browser.text(".account-menu summary").contains("Research"));
    }

    @Test
    void a_failed_single_sign_on_shows_its_reason_on_the_sign_in_page() {
        browser.open("/?signInError=the%20provider%20did%20not%20sign%20you%20in");
        browser.await(TIMEOUT, "the message", d -> browser.text("#signin-error") != null
                && browser.text("#signin-error").contains("the provider did not sign you in"));
        assertThat(browser.url()).doesNotContain("signInError");
    }

    private static void signIn() {
        browser.open("/");
        browser.submitSignIn(ADMIN_EMAIL, ADMIN_PASSWORD, TIMEOUT);
        browser.awaitVisible(".account-menu", TIMEOUT);
    }

    private static WebElement rowNamed(String name) {
        return browser.all("table.keys tbody tr").stream().filter(r -> r.getText().contains(name)).findFirst().orElseThrow();
    }

    /** The text of the keys table's row for {@code name}, or null while there is none; read in one step. */
    private static String rowText(String name) {
        return (String) browser.js("const r = [...document.querySelectorAll('table.keys tbody tr')]"
                + ".find(r => r.innerText.includes(arguments[0])); return r ? r.innerText : null", name);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> horizontalOverflow() {
        return (List<Object>) browser.js("return [...document.querySelectorAll('body *')]"
                + ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
                + ".filter(e => !e.parentElement.closest('.scroll, .timeline'))"
                + ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))");
    }
}
