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
 * Diff review steers the agent: in a real headless Chromium, a comment on a range of lines of the session's diff is
 * queued as a follow-up carrying the file, the lines and the hunk, and the real Claude Code CLI sends it to the
 * (scripted) model; a request that names lines outside the diff is refused.
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
}
