package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.CuttableProxy;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.HostProcesses;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The web UI in a real headless Chromium against the real server, the real Claude Code CLI and the scripted
 * fake model: the acceptance tests of the web UI issue.
 */
class WebUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final String ADMIN_EMAIL = "admin@localhost";
    static final String ADMIN_PASSWORD = "admin-password-for-ui-tests";

    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ADMIN_PASSWORD", ADMIN_PASSWORD));

    private static FakeAnthropic model;
    private static TestServer server;
    private static CuttableProxy proxy;
    private static Browser browser;
    private static Path origin;

    @BeforeAll
    static void start() {
        model = magnet.model();
        server = magnet.server();
        proxy = CuttableProxy.to(server.magnet().port());
        origin = GitFixtures.bareOrigin(magnet.dir(), 3);
        browser = Browser.start(proxy.baseUrl(), magnet.dir().resolve("chromium-profile"));
        browser.open("/app/icon.svg");
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        proxy.close();
    }

    @BeforeEach
    void signedInWithADesktopWindow() {
        browser.resize(1280, 900);
        if (browser.cookie("magnet_session") == null) {
            browser.open("/");
            browser.submitSignIn(ADMIN_EMAIL, ADMIN_PASSWORD, TIMEOUT);
            browser.awaitVisible(".account-menu", TIMEOUT);
        }
        browser.consoleErrors();
    }

    @AfterEach
    void noConsoleErrors() {
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    @Test
    void a_session_created_from_the_form_shows_thinking_a_tool_call_a_file_edit_and_the_result_live() {
        Gate second = Gate.closed();
        model.script(Script.of(
                Turn.reply().thinking("Plan: create greeting.txt with a friendly line.")
                        .text("I'll create **greeting.txt** now.")
                        .toolUse("Write", Map.of("file_path", "greeting.txt", "content", "hello from magnet\n")),
                Turn.reply().text("Done: `greeting.txt` says hello.").heldBy(second)));

        browser.open("/");
        browser.find(".page-head a.button.primary").click();
        browser.awaitVisible("textarea#prompt", TIMEOUT).sendKeys("Create greeting.txt");
        browser.find("input#repo").sendKeys(origin.toString());
        browser.find("textarea#prompt").sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));

        browser.await(TIMEOUT, "the session page", d -> browser.url().matches(".*/sessions/[0-9a-f-]+$"));
        String id = browser.url().replaceAll(".*/sessions/", "");
        WebElement thinking = browser.awaitVisible("details.thinking[data-seq]", TIMEOUT);
        assertThat(thinking.getAttribute("open")).as("thinking starts collapsed").isNull();
        assertThat(thinking.getText()).contains("Plan: create greeting.txt");
        browser.awaitVisible(".tool[data-tool='Write'] .file-change", TIMEOUT);
        assertThat(browser.find(".tool[data-tool='Write'] .file-change").getText()).contains("greeting.txt").contains("hello from magnet");
        assertThat(browser.all(".tool[data-tool='Write'] .file-change tr.add")).isNotEmpty();
        assertThat(browser.find(".msg.agent strong").getText()).isEqualTo("greeting.txt");
        assertThat(browser.text(".session-head .badge.status")).startsWith("active");
        assertThat(browser.attribute(".timeline .phase.current", "data-phase")).isEqualTo("running");
        browser.screenshot("session-live");

        thinking.findElement(By.tagName("summary")).click();
        assertThat(thinking.getAttribute("open")).isNotNull();
        second.open();
        WebElement result = browser.awaitVisible(".turn-result.ok", TIMEOUT);
        assertThat(result.getText()).contains("Turn finished").contains("tokens");
        browser.await(TIMEOUT, "status completed", d -> browser.text(".session-head .badge.status").equals("completed"));
        assertThat(browser.pageText()).contains("Done: greeting.txt says hello.");

        browser.find(".topbar .brand").click();
        String row = ".session-row[data-id='" + id + "']";
        browser.awaitVisible(row + "[data-status='completed']", TIMEOUT);
        assertThat(browser.text(row)).contains("Create greeting.txt").contains("completed");
        browser.screenshot("dashboard");
        browser.resize(390, 844);
        assertThat(horizontalOverflow()).as("dashboard fits a phone").isEmpty();
        browser.screenshot("dashboard-phone");
        browser.open("/sessions/" + id);
        browser.awaitVisible(".turn-result.ok", TIMEOUT);
        assertThat(horizontalOverflow()).as("session page fits a phone").isEmpty();
        browser.screenshot("session-phone");
    }

    @Test
    void a_browser_that_is_not_signed_in_shows_the_sign_in_form_and_stays_signed_in_with_its_cookie() {
        browser.deleteCookies();
        browser.open("/new");
        browser.submitSignIn(ADMIN_EMAIL, "not-the-password", TIMEOUT);
        browser.await(TIMEOUT, "the sign-in error", d -> browser.text("#signin-error").contains("wrong"));
        browser.consoleErrors(); // why: the refused sign-in's 401 is logged by the browser, as intended
        assertThat(browser.all(".account-menu")).isEmpty();
        browser.submitSignIn(ADMIN_EMAIL, ADMIN_PASSWORD, TIMEOUT);
        browser.awaitVisible("textarea#prompt", TIMEOUT);
        assertThat(browser.url()).endsWith("/new");
        assertThat(browser.cookie("magnet_session")).isNotBlank();
        assertThat(browser.js("return localStorage.length")).isEqualTo(0L);
        browser.open("/");
        browser.awaitVisible(".stats .stat-card", TIMEOUT);
        assertThat(browser.all("form.signin-form")).isEmpty();
    }

    @Test
    void a_follow_up_sent_while_the_model_is_slow_shows_as_queued_until_the_agent_takes_it() throws Exception {
        Gate slow = Gate.closed();
        model.script(Script.of(
                Turn.reply().text("Working on the first part.").heldBy(slow),
                Turn.reply().text("Both parts done.")));
        String id = server.createSession(Map.of("prompt", "Do the first part")).path("id").asText();
        browser.open("/sessions/" + id);
        slow.awaitReached(TIMEOUT);

        WebElement box = browser.awaitVisible("textarea#message", TIMEOUT);
        box.sendKeys("SECOND: also do this");
        box.sendKeys(Keys.chord(Keys.CONTROL, Keys.ENTER));
        WebElement queued = browser.awaitVisible(".msg.user .badge.queued", TIMEOUT);
        WebElement followUp = queued.findElement(By.xpath("ancestor::article"));
        assertThat(followUp.getText()).contains("SECOND: also do this");
        slow.open();

        browser.await(TIMEOUT, "the agent's reply", d -> browser.pageText().contains("Both parts done."));
        browser.await(TIMEOUT, "the queued badge to go", d -> browser.all(".badge.queued").isEmpty());
        assertThat(browser.all(".msg.user.delivered")).hasSize(1);
        server.awaitStatus(id, "completed", TIMEOUT);
    }

    @Test
    void the_page_recovers_after_its_connection_drops_and_shows_every_event_once() throws Exception {
        Gate finish = Gate.closed();
        model.script(Script.of(
                Turn.reply().thinking("Thinking about the count.")
                        .text("Counting slowly: one two three four five six seven eight nine ten.")
                        .chunked(4, Duration.ofMillis(40))
                        .toolUse("Bash", Map.of("command", "seq 1 40", "description", "count")),
                Turn.reply().text("Counted to forty.").heldBy(finish)));
        String id = server.createSession(Map.of("prompt", "Count for me")).path("id").asText();
        browser.open("/sessions/" + id);
        browser.awaitVisible(".msg.agent.streaming, .msg.agent[data-seq]", TIMEOUT);
        int cut = proxy.cut();
        assertThat(cut).isPositive();
        finish.awaitReached(TIMEOUT);
        proxy.cut();
        finish.open();
        server.awaitStatus(id, "completed", TIMEOUT);
        browser.await(TIMEOUT, "the last reply", d -> browser.pageText().contains("Counted to forty."));
        browser.await(TIMEOUT, "the stream to end", d -> browser.text(".session-head .badge.status").equals("completed"));

        List<String> shown = new ArrayList<>();
        for (WebElement e : browser.all(".conversation [data-seq]")) {
            shown.add(e.getAttribute("data-seq"));
        }
        Set<String> expected = new TreeSet<>();
        for (JsonNode e : server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events")) {
            String type = e.path("type").asText();
            boolean rendered = switch (type) {
                case "user_message", "thinking", "text", "tool_use", "tool_result", "file_change", "todo",
                     "model_retry", "turn_result", "pr", "error" -> true;
                case "status" -> e.path("data").has("pushed") && !"failed".equals(e.path("data").path("status").asText());
                default -> false;
            };
            if (rendered) {
                expected.add(e.path("seq").asText());
            }
        }
        assertThat(shown).as("each event once").doesNotHaveDuplicates();
        assertThat(new TreeSet<>(shown)).as("every event").isEqualTo(expected);
        assertThat(browser.all(".msg.agent.streaming")).as("no half-streamed block left").isEmpty();
        assertThat(browser.all(".tool[data-tool='Bash']")).hasSize(1);
        browser.consoleErrors(); // why: the cut fetches are logged as network errors, which is what we caused
    }

    @Test
    void the_diff_view_shows_the_changed_files_and_a_failed_session_can_be_retried_with_an_edited_prompt() {
        model.script(Script.of(
                Turn.reply().toolUse("Write", Map.of("file_path", "src/Hello.java",
                        "content", "public class Hello {\n    // greets\n    static String greet() { return \"hi\"; }\n}\n")),
                Turn.reply().text("Added Hello.java.")));
        String id = server.createSession(Map.of("prompt", "Add Hello.java", "repo", origin.toString())).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        browser.open("/sessions/" + id + "/diff");
        WebElement file = browser.awaitVisible(".diff-file", TIMEOUT);
        assertThat(browser.find(".file-list").getText()).contains("src/Hello.java").contains("+4");
        assertThat(file.getText()).contains("public class Hello").contains("return \"hi\"");
        assertThat(file.findElements(By.cssSelector("tr.add"))).hasSize(4);
        assertThat(file.findElements(By.cssSelector(".tok-keyword"))).isNotEmpty();
        browser.screenshot("diff-unified");
        browser.find(".segmented button[value='split']").click();
        browser.awaitVisible("table.diff.split", TIMEOUT);
        browser.screenshot("diff-split");

        model.script(Script.of(Turn.error(401, "authentication_error", "invalid x-api-key").times(20)));
        String failedId = server.createSession(Map.of("prompt", "Say hello")).path("id").asText();
        browser.open("/sessions/" + failedId);
        WebElement panel = browser.awaitVisible("section.failure", TIMEOUT);
        assertThat(panel.getText()).contains("model_auth_failed").contains("running");
        assertThat(browser.attribute(".timeline .phase.failed", "data-phase")).isEqualTo("running");
        browser.screenshot("session-failed");

        model.script(Script.of(Turn.reply().text("Hello, politely!")));
        panel.findElement(By.cssSelector("button.primary")).click();
        WebElement prompt = browser.awaitVisible("textarea#retry-prompt", TIMEOUT);
        assertThat(prompt.getAttribute("value")).isEqualTo("Say hello");
        prompt.sendKeys(" politely");
        browser.find("form.retry button[type=submit]").click();
        browser.await(TIMEOUT, "the new session", d -> !browser.url().endsWith(failedId) && browser.url().contains("/sessions/"));
        String retryId = browser.url().replaceAll(".*/sessions/", "");
        JsonNode retried = server.awaitStatus(retryId, "completed", TIMEOUT);
        assertThat(retried.path("retryOf").asText()).isEqualTo(failedId);
        assertThat(retried.path("prompt").asText()).isEqualTo("Say hello politely");
        browser.await(TIMEOUT, "the retry's reply", d -> browser.pageText().contains("Hello, politely!"));
        assertThat(browser.text(".session-head")).containsIgnoringCase("Retry of");
    }

    @Test
    void the_cancel_button_asks_first_then_tears_the_sandbox_down_and_shows_the_session_cancelled() {
        String marker = "ui-cancel-marker-" + System.nanoTime();
        model.script(Script.of(Turn.reply().toolUse("Bash", Map.of(
                "command", "python3 -c 'import time; time.sleep(600)' " + marker, "description", "a long job",
                "timeout", 600000))));
        String id = server.createSession(Map.of("prompt", "Run the long job")).path("id").asText();
        browser.open("/sessions/" + id);
        browser.await(TIMEOUT, "the agent's command", d -> !HostProcesses.mentioning(marker).isEmpty());

        browser.find("form.composer button.danger-outline").click();
        WebElement dialog = browser.awaitVisible("dialog.confirm", TIMEOUT);
        assertThat(dialog.getText()).contains("Cancel this session?");
        dialog.findElement(By.cssSelector("button[value='yes']")).click();

        WebElement panel = browser.awaitVisible("section.failure", TIMEOUT);
        assertThat(panel.getText()).contains("cancelled");
        browser.await(TIMEOUT, "status failed", d -> browser.text(".session-head .badge.status").equals("failed"));
        assertThat(server.session(id).path("failure").path("reason").asText()).isEqualTo("cancelled");
        browser.await(TIMEOUT, "the command killed on the host", d -> HostProcesses.mentioning(marker).isEmpty());
        assertThat(browser.all("form.composer button.danger-outline")).as("nothing left to cancel").isEmpty();
    }

    @Test
    void html_and_script_in_the_agents_text_are_shown_as_text_and_never_run() {
        String hostile = "Look: <script>window.__pwned = 1</script> <img src=x onerror=\"window.__pwned = 2\"> "
                + "<a href=\"javascript:window.__pwned=3\">link</a> and **bold**";
        model.script(Script.of(Turn.reply().thinking("<img src=y onerror=\"window.__pwned = 4\">").text(hostile)));
        String id = server.createSession(Map.of("prompt", "Say something tricky")).path("id").asText();
        browser.open("/sessions/" + id);
        WebElement text = browser.awaitVisible(".msg.agent[data-seq]", TIMEOUT);
        browser.awaitVisible(".turn-result", TIMEOUT);

        assertThat(text.getText()).contains("<script>window.__pwned = 1</script>").contains("<img src=x");
        assertThat(text.findElement(By.tagName("strong")).getText()).isEqualTo("bold");
        assertThat(browser.all(".conversation script, .conversation img, .conversation [onerror], .conversation a[href^='javascript']")).isEmpty();
        browser.find("details.thinking summary").click();
        assertThat(browser.find("details.thinking").getText()).contains("<img src=y");
        assertThat(browser.js("return window.__pwned === undefined")).isEqualTo(true);
    }

    /** The elements that stick out past the right edge of the window (outside scrolling boxes), or none. */
    @SuppressWarnings("unchecked")
    private List<Object> horizontalOverflow() {
        return (List<Object>) browser.js("return [...document.querySelectorAll('body *')]"
                + ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
                + ".filter(e => !e.parentElement.closest('.scroll, .timeline'))"
                + ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))");
    }
}
