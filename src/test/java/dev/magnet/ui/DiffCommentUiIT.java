package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.interactions.Actions;

/**
 * Diff review steers the agent: in a real headless Chromium, a comment on a range of lines of the session's diff (new
 * lines by shift+click in the unified view, deleted lines by dragging over their numbers in the side-by-side view) is
 * queued as a follow-up carrying the file, the side, the lines and the hunk, and the real Claude Code CLI sends it to
 * the (scripted) model; a request that names lines outside the diff or an unknown side is refused.
 */
class DiffCommentUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD));
    private static Browser browser;
    private static TestServer server;
    private static Path origin;

    @BeforeAll
    static void start() {
        server = magnet.server();
        origin = GitFixtures.bareOrigin(magnet.dir(), 3);
        browser = Browser.signedInAdmin(server, magnet.dir().resolve("chromium-profile"), TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void a_comment_on_lines_of_the_diff_reaches_the_agent_with_the_file_lines_and_hunk() {
        FakeAnthropic model = magnet.model();
        model.script(Script.of(
                Turn.reply().toolUse("Write", Map.of("file_path", "notes.txt", "content", "alpha\nbeta\ngamma\n")),
                Turn.reply().text("Wrote notes.txt."),
                Turn.reply().text("Renamed beta as asked.")));
        String id = server.createSession(Map.of("prompt", "Write notes.txt", "repo", origin.toString())).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        browser.open("/sessions/" + id + "/diff");
        browser.js("localStorage.removeItem('magnet.diffMode')");
        browser.open("/sessions/" + id + "/diff");
        browser.awaitVisible("button.line-comment[aria-label='Comment on line 2 of notes.txt']", TIMEOUT).sendKeys(Keys.ENTER);
        browser.awaitVisible("tr.comment-row textarea", TIMEOUT).sendKeys("Call it delta instead.");
        new Actions(browser.driver()).keyDown(Keys.SHIFT).click(browser.find("button.line-comment[aria-label='Comment on line 3 of notes.txt']"))
                .keyUp(Keys.SHIFT).perform();
        assertThat(browser.find("tr.comment-row input[name=endLine]").getAttribute("value")).isEqualTo("3");
        browser.screenshot("diff-line-comment");
        browser.find("tr.comment-row button[type=submit]").click();
        browser.await(TIMEOUT, "the form closed", d -> browser.all("tr.comment-row").isEmpty());

        RecordedRequest reached = browser.await(TIMEOUT, "the model receiving the comment", d -> model.requests().stream()
                .filter(r -> r.mentions("Review comment on notes.txt lines 2-3")).findFirst().orElse(null));
        assertThat(reached.mentions("Call it delta instead.")).isTrue();
        assertThat(reached.mentions("@@ -0,0 +1,3 @@")).as("the hunk").isTrue();
        assertThat(reached.mentions("+beta")).isTrue();
        server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(browser.consoleErrors()).isEmpty();

        TestServer.Response outside = server.post("/api/sessions/" + id + "/comments",
                Map.of("path", "notes.txt", "line", 9, "text", "nowhere"));
        assertThat(outside.status()).isEqualTo(400);
        assertThat(server.post("/api/sessions/" + id + "/comments", Map.of("path", "../../etc/passwd", "line", 1, "text", "x")).status())
                .isEqualTo(400);
    }

    @Test
    void a_comment_dragged_over_deleted_lines_in_the_side_by_side_view_reaches_the_agent_with_the_old_side_and_the_hunk() {
        FakeAnthropic model = magnet.model();
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "printf 'record File0(int value) {\\n}\\n' > src/pkg0/File0.java",
                        "description", "make File0 a record")),
                Turn.reply().text("Made File0 a record."),
                Turn.reply().text("Kept File0 a class.")));
        String id = server.createSession(Map.of("prompt", "Make File0 a record", "repo", origin.toString())).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);
        String file = "src/pkg0/File0.java";

        browser.open("/sessions/" + id + "/diff");
        browser.awaitVisible("button.line-comment[aria-label='Comment on old line 1 of " + file + "']", TIMEOUT);
        assertThat(browser.all("table.diff.unified button.line-comment[data-side=old]")).as("old lines in the unified view").hasSize(2);
        browser.find(".segmented button[value=split]").click();
        String first = "table.diff.split button.line-comment[aria-label='Comment on old line 1 of " + file + "']";
        String second = "table.diff.split button.line-comment[aria-label='Comment on old line 2 of " + file + "']";
        browser.awaitVisible(first, TIMEOUT);
        new Actions(browser.driver()).clickAndHold(browser.find(first)).moveToElement(browser.find(second)).release().perform();
        browser.awaitVisible("table.diff.split tr.comment-row textarea", TIMEOUT).sendKeys("Keep it a class: callers subclass it.");
        assertThat(browser.find("tr.comment-row input[name=endLine]").getAttribute("value")).isEqualTo("2");
        assertThat(browser.text("tr.comment-row .comment-title")).contains("old line 1");
        browser.screenshot("diff-split-old-side-comment");
        browser.find("tr.comment-row button[type=submit]").click();
        browser.await(TIMEOUT, "the form closed", d -> browser.all("tr.comment-row").isEmpty());

        RecordedRequest reached = browser.await(TIMEOUT, "the model receiving the comment", d -> model.requests().stream()
                .filter(r -> r.mentions("Review comment on " + file + " lines 1-2 of the file before your changes (the - side)"))
                .findFirst().orElse(null));
        assertThat(reached.mentions("Keep it a class: callers subclass it.")).isTrue();
        assertThat(reached.mentions("-class File0 {")).as("the hunk with the deleted lines").isTrue();
        assertThat(reached.mentions("+record File0(int value) {")).isTrue();
        server.awaitStatus(id, "completed", TIMEOUT);
        browser.js("localStorage.removeItem('magnet.diffMode')");
        assertThat(browser.consoleErrors()).isEmpty();

        TestServer.Response wrongSide = server.post("/api/sessions/" + id + "/comments",
                Map.of("path", file, "line", 1, "side", "left", "text", "x"));
        assertThat(wrongSide.status()).isEqualTo(400);
        assertThat(wrongSide.json().path("field").asText()).isEqualTo("side");
        assertThat(server.post("/api/sessions/" + id + "/comments", Map.of("path", file, "line", 3, "endLine", 4, "side", "old",
                "text", "x")).status()).as("old line 4 does not exist").isEqualTo(400);
    }
}
