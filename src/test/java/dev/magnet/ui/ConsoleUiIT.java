package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeGitHub;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The workspace console (Settings) in a real headless Chromium against the real server: an admin sees the workspace,
 * invites someone and revokes the invite, changes a member's role and removes them, revokes a member's API key, filters
 * the audit log, renames the workspace, tests and connects GitHub (a fake on loopback) and picks one of its repositories
 * in the new-session form; every page is used by keyboard and on a phone-sized screen, with screenshots in
 * target/ui-screenshots.
 */
class ConsoleUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD));
    private static Browser browser;
    private static TestServer server;
    private static FakeGitHub github;

    @BeforeAll
    static void start() {
        server = magnet.server();
        github = FakeGitHub.start(magnet.dir().resolve("fake-github"));
        github.addRepo("acme/app");
        github.addRepo("acme/site");
        browser = Browser.signedInAdmin(server, magnet.dir().resolve("chromium-profile"), TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (github != null) {
            github.close();
        }
    }

    @AfterEach
    void noConsoleErrors() {
        browser.resize(1280, 900);
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    @Test
    void the_workspace_page_is_reached_from_the_account_menu_and_its_sections_by_keyboard() {
        browser.open("/");
        browser.awaitVisible(".account-menu summary", TIMEOUT).click();
        browser.awaitVisible(".menu-panel a[href='/settings']", TIMEOUT).click();
        assertThat(browser.awaitVisible("#workspace-role", TIMEOUT).getText()).isEqualTo("admin");
        WebElement members = browser.find(".console-tabs a[href='/settings/members']");
        members.sendKeys(Keys.ENTER);
        browser.await(TIMEOUT, "the members page", d -> browser.url().endsWith("/settings/members"));
        browser.awaitVisible("table.members tr[data-id]", TIMEOUT);
        onAPhone("settings-workspace", "/settings");
    }

    @Test
    void an_admin_invites_someone_copies_the_link_and_revokes_the_pending_invite() {
        browser.open("/settings/invites");
        browser.awaitVisible("input#invite-email", TIMEOUT).sendKeys("new.person@example.com");
        browser.find("form.key-form button[type=submit]").click();
        String link = browser.awaitVisible("#invite-link", TIMEOUT).getText();
        assertThat(link).contains("/?invite=");
        browser.await(TIMEOUT, "the pending invite", d -> browser.text("table.invites").contains("new.person@example.com"));
        browser.screenshot("settings-invites");
        assertThat(server.get("/api/workspace/invites").json().path("invites").findValuesAsText("state")).contains("pending");

        browser.find("table.invites tr[data-id] button").click();
        browser.await(TIMEOUT, "no pending invite", d -> browser.text("table.invites").contains("No pending invites"));
        assertThat(server.get("/api/workspace/invites").json().path("invites").findValuesAsText("state")).doesNotContain("pending");
        onAPhone("settings-invites-phone", "/settings/invites");
    }

    @Test
    void an_admin_changes_a_members_role_revokes_their_key_and_removes_them() {
        String key = server.newMemberKey("member.console@example.com");
        String memberId = server.send("GET", "/api/me", null, key, Map.of()).json().path("user").path("id").asText();

        browser.open("/settings/keys");
        browser.await(TIMEOUT, "the member's key", d -> browser.text("table.workspace-keys").contains("Member member.console@example.com"));
        browser.screenshot("settings-keys");
        browser.find("table.workspace-keys tr:not(.revoked) button[aria-label*='member.console']").click();
        browser.awaitVisible("dialog.confirm button[value=yes]", TIMEOUT).click();
        browser.await(TIMEOUT, "the key refused", d -> server.send("GET", "/api/me", null, key, Map.of()).status() == 401);

        browser.open("/settings/members");
        WebElement role = browser.awaitVisible("table.members tr[data-id='" + memberId + "'] select", TIMEOUT);
        new Select(role).selectByValue("admin");
        browser.await(TIMEOUT, "the new role", d -> roleOf(memberId).equals("admin"));
        browser.screenshot("settings-members");

        browser.find("table.members tr[data-id='" + memberId + "'] button").click();
        browser.awaitVisible("dialog.confirm button[value=yes]", TIMEOUT).click();
        browser.await(TIMEOUT, "the member gone", d -> browser.all("table.members tr[data-id='" + memberId + "']").isEmpty());
        assertThat(roleOf(memberId)).isEmpty();
        onAPhone("settings-members-phone", "/settings/members");
    }

    @Test
    void the_audit_log_is_filtered_by_action_and_the_github_integration_is_saved() {
        server.createSession(Map.of("prompt", "audited from the console test"));
        server.post("/api/keys", Map.of("name", "for the audit"));
        browser.open("/settings/audit");
        browser.await(TIMEOUT, "entries", d -> browser.text("table.audit").contains("session.create"));
        browser.find("input#audit-action").sendKeys("key.create", Keys.ENTER);
        browser.await(TIMEOUT, "only key.create", d -> !browser.text("table.audit").contains("session.create")
                && browser.text("table.audit").contains("key.create"));
        browser.screenshot("settings-audit");
        onAPhone("settings-audit-phone", "/settings/audit");

        browser.open("/settings/github");
        browser.await(TIMEOUT, "not connected", d -> browser.text("#github-status").contains("Not connected"));
        browser.find("input#github-api-url").sendKeys(github.apiUrl());
        browser.find("input#github-token").sendKeys("ghp_console_test_token_0123456789");
        browser.find("#github-test-button").click();
        browser.await(TIMEOUT, "the refusal", d -> browser.text("#github-error").contains("Bad credentials"));
        browser.find("form.github-form button[type=submit]").click();
        browser.await(TIMEOUT, "the refused save", d -> browser.text("#github-error").contains("nothing was changed"));
        assertThat(browser.text("#github-status")).contains("Not connected");
        assertThat(server.get("/api/github/integration").json().path("configured").asBoolean()).isFalse();
        assertThat(browser.consoleErrors()).as("only the refusals").allMatch(e -> e.contains("400"));

        browser.find("input#github-token").clear();
        browser.find("input#github-token").sendKeys(FakeGitHub.PERSONAL_TOKEN);
        browser.find("#github-test-button").click();
        browser.await(TIMEOUT, "the accepted test", d -> browser.text("#github-test").contains("magnet-test-user")
                && browser.text("#github-test").contains("2 repositories"));
        assertThat(server.get("/api/github/integration").json().path("configured").asBoolean()).as("a test saves nothing").isFalse();
        browser.screenshot("settings-github-tested");
        browser.find("form.github-form button[type=submit]").click();
        browser.await(TIMEOUT, "connected", d -> browser.text("#github-status").contains("Connected with a token"));
        JsonNode shown = server.get("/api/github/integration").json();
        assertThat(shown.path("configured").asBoolean()).isTrue();
        assertThat(browser.pageText()).doesNotContain(FakeGitHub.PERSONAL_TOKEN);
        browser.screenshot("settings-github");
        onAPhone("settings-github-phone", "/settings/github");

        browser.open("/new");
        browser.await(TIMEOUT, "the integration's repositories in the picker", d -> browser.text("#repo-hint").contains("2 repositories"));
        Object options = browser.js("return [...document.querySelectorAll('#repo-list option')].map(o => o.value).join(',')");
        assertThat(options).isEqualTo("acme/app,acme/site");
        browser.find("input#repo").sendKeys("acme/site");
        browser.await(TIMEOUT, "the default branch", d -> "main (default branch)".equals(browser.attribute("input#baseBranch", "placeholder")));
        browser.screenshot("new-session-github-picker");
    }

    @Test
    void an_admin_names_the_integration_user_on_the_github_page_and_the_audit_log_keeps_it() {
        String adminId = server.get("/api/me").json().path("user").path("id").asText();
        browser.open("/settings/github");
        browser.await(TIMEOUT, "the members to pick from", d -> browser.text("#github-integration-user").contains("@"));
        browser.js("document.querySelector('#github-integration-user').value = arguments[0];", adminId);
        browser.find("form.github-integration-user button[type=submit]").click();
        browser.await(TIMEOUT, "saved", d -> adminId.equals(server.get("/api/github/integration-user").json().path("userId").asText()));
        assertThat(server.get("/api/audit?action=github.integration_user_set").json().toString()).contains(adminId);
        browser.screenshot("settings-github-integration-user");
        browser.open("/settings/github");
        browser.await(TIMEOUT, "shown as chosen", d -> adminId.equals(browser.js(
                "return document.querySelector('#github-integration-user').value;")));
    }

    @Test
    void an_admin_renames_the_workspace_and_the_audit_log_keeps_it() {
        browser.open("/settings");
        WebElement name = browser.awaitVisible("input#workspace-rename", TIMEOUT);
        name.clear();
        name.sendKeys("Renamed in the console", Keys.ENTER);
        browser.await(TIMEOUT, "the new name", d -> "Renamed in the console".equals(browser.text("#workspace-name")));
        assertThat(server.get("/api/me").json().toString()).contains("Renamed in the console");
        JsonNode audit = server.get("/api/audit?action=workspace.rename").json();
        assertThat(audit.toString()).contains("workspace.rename").contains("Renamed in the console");
        browser.screenshot("settings-workspace-renamed");
    }

    private static String roleOf(String userId) {
        for (JsonNode m : server.get("/api/workspace/members").json().path("members")) {
            if (m.path("id").asText().equals(userId)) {
                return m.path("role").asText();
            }
        }
        return "";
    }

    /** Opens the page on a phone-sized screen, checks nothing is wider than the screen, and keeps a screenshot. */
    private static void onAPhone(String name, String path) {
        browser.resize(390, 844);
        browser.open(path);
        browser.awaitVisible(".console-body > *", TIMEOUT);
        Object overflow = browser.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(((Number) overflow).intValue()).as("horizontal overflow of " + path + " on a phone").isLessThanOrEqualTo(0);
        browser.screenshot(name);
        browser.resize(1280, 900);
    }
}
