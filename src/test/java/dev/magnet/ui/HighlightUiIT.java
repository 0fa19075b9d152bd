package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Syntax highlighting in a real Chromium: the files of the languages the UI highlighted before Prism (Java, Go, Rust,
 * JavaScript, C#, Python, shell, SQL, YAML, HTML, CSS) in the diff view, and fenced code in the agent's Markdown, get
 * their keywords, strings, numbers and comments coloured, with every character of the code kept as text.
 */
class HighlightUiIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Each file, and the keywords, strings and comments its highlighting must show. */
    private record Sample(String path, String content, List<String> keywords, List<String> strings, List<String> comments) {
    }

    private static final List<Sample> SAMPLES = List.of(
            new Sample("src/Hello.java", "public class Hello {\n    // greets\n    static String greet() { return \"hi\"; }\n}\n",
                    List.of("public", "class", "static", "return"), List.of("\"hi\""), List.of("// greets")),
            new Sample("main.go", "package main\n\nimport \"fmt\"\n\n// main prints\nfunc main() { fmt.Println(\"hi\", 42) }\n",
                    List.of("package", "import", "func"), List.of("\"fmt\"", "\"hi\""), List.of("// main prints")),
            new Sample("src/lib.rs", "// adds one\npub fn add(a: i32) -> i32 { let mut x = 1; x += a; x }\n",
                    List.of("pub", "fn", "let", "mut"), List.of(), List.of("// adds one")),
            new Sample("app.js", "// greets\nexport const greet = async () => 'hi' + 1;\n",
                    List.of("export", "const", "async"), List.of("'hi'"), List.of("// greets")),
            new Sample("Program.cs", "// entry\nnamespace App { public class P { static void Main() { var s = \"hi\"; } } }\n",
                    List.of("namespace", "public", "class", "static", "void", "var"), List.of("\"hi\""), List.of("// entry")),
            new Sample("tool.py", "# says hi\ndef hi():\n    return \"hi\" if True else None\n",
                    List.of("def", "return", "if", "else"), List.of("\"hi\""), List.of("# says hi")),
            new Sample("run.sh", "# run it\nif [ -f x ]; then echo \"ok\"; fi\n",
                    List.of("if", "then", "fi"), List.of("\"ok\""), List.of("# run it")),
            new Sample("query.sql", "-- every row\nSELECT id FROM t WHERE name = 'x';\n",
                    List.of("SELECT", "FROM", "WHERE"), List.of("'x'"), List.of("-- every row")),
            new Sample("config.yml", "# settings\nname: \"magnet\"\nenabled: true\n",
                    List.of("true"), List.of("\"magnet\""), List.of("# settings")),
            new Sample("page.html", "<!-- a page -->\n<p class=\"note\">hi &amp; <b>bye</b></p>\n",
                    List.of("<b>", "</b>", "</p>"), List.of("=\"note\""), List.of("<!-- a page -->")),
            new Sample("style.css", "/* look */\n@media screen { a { color: red !important; } }\n",
                    List.of("!important"), List.of(), List.of("/* look */")));

    @TempDir
    static Path dir;

    private static FakeAnthropic model;
    private static TestServer server;
    private static Browser browser;
    private static Path origin;

    @BeforeAll
    static void start() {
        model = FakeAnthropic.start();
        server = TestServer.start(dir.resolve("data"), model, Map.of("MAGNET_ADMIN_PASSWORD", WebUiIT.ADMIN_PASSWORD));
        origin = GitFixtures.bareOrigin(dir, 1);
        browser = Browser.start("http://127.0.0.1:" + server.magnet().port(), dir.resolve("chromium-profile"));
        browser.resize(1280, 900);
        browser.open("/");
        browser.submitSignIn(WebUiIT.ADMIN_EMAIL, WebUiIT.ADMIN_PASSWORD, TIMEOUT);
        browser.awaitVisible(".account-menu", TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        server.close();
        model.close();
    }

    @Test
    void the_diff_view_colours_each_language_it_did_before_and_keeps_the_code_as_text() {
        List<Turn> turns = new ArrayList<>();
        for (Sample s : SAMPLES) {
            turns.add(Turn.reply().toolUse("Write", Map.of("file_path", s.path(), "content", s.content())));
        }
        turns.add(Turn.reply().text("Wrote the samples."));
        model.script(Script.of(turns.toArray(Turn[]::new)));
        String id = server.createSession(Map.of("prompt", "Write the samples", "repo", origin.toString())).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        browser.open("/sessions/" + id + "/diff");
        browser.awaitVisible(".diff-file", TIMEOUT);
        for (Sample s : SAMPLES) {
            WebElement file = browser.find("section.diff-file[aria-label='" + s.path() + "']");
            assertThat(addedCode(file)).as(s.path() + " as text").isEqualTo(s.content().stripTrailing());
            assertThat(texts(file, ".tok-keyword")).as(s.path() + " keywords").containsAll(s.keywords());
            assertThat(texts(file, ".tok-string")).as(s.path() + " strings").containsAll(s.strings());
            assertThat(texts(file, ".tok-comment")).as(s.path() + " comments").containsAll(s.comments());
            assertThat(file.findElements(By.cssSelector("td.code b, td.code p, td.code script"))).as(s.path()).isEmpty();
        }
        assertThat(texts(browser.find("section.diff-file[aria-label='main.go']"), ".tok-number")).contains("42");
        browser.screenshot("highlight-diff");
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    @Test
    void fenced_code_in_the_agents_markdown_is_coloured_by_its_fence_language() {
        Map<String, String> fences = new LinkedHashMap<>();
        fences.put("java", "final int answer = 42; // the answer");
        fences.put("rust", "fn main() { let s = \"hi\"; }");
        fences.put("python", "def f():\n    return 'x'  # done");
        model.script(Script.of(Turn.reply().text("Here is the code:\n\n" + String.join("\n", fences.entrySet().stream()
                .map(e -> "```" + e.getKey() + "\n" + e.getValue() + "\n```\n").toList()))));
        String id = server.createSession(Map.of("prompt", "Show code")).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        browser.open("/sessions/" + id);
        browser.await(TIMEOUT, "the highlighted code", d -> browser.all(".markdown pre code").size() == fences.size());
        List<WebElement> blocks = browser.all(".markdown pre code");
        List<String> languages = List.copyOf(fences.keySet());
        for (int i = 0; i < blocks.size(); i++) {
            String source = fences.get(languages.get(i));
            assertThat(blocks.get(i).getAttribute("textContent").stripTrailing()).as(languages.get(i)).isEqualTo(source);
            assertThat(blocks.get(i).findElements(By.cssSelector(".tok-keyword"))).as(languages.get(i)).isNotEmpty();
        }
        assertThat(texts(blocks.get(0), ".tok-comment")).containsExactly("// the answer");
        assertThat(texts(blocks.get(0), ".tok-number")).containsExactly("42");
        assertThat(texts(blocks.get(1), ".tok-string")).containsExactly("\"hi\"");
        assertThat(texts(blocks.get(2), ".tok-string")).containsExactly("'x'");
        assertThat(browser.consoleErrors()).as("browser console errors").isEmpty();
    }

    /** The added lines of a file's unified diff, as the page holds them (without the +/- signs). */
    private static String addedCode(WebElement file) {
        List<String> lines = new ArrayList<>();
        for (WebElement cell : file.findElements(By.cssSelector("table.diff.unified tr.add td.code"))) {
            String text = cell.getAttribute("textContent");
            lines.add(text.substring(1));
        }
        return String.join("\n", lines);
    }

    private static List<String> texts(WebElement within, String css) {
        return within.findElements(By.cssSelector(css)).stream().map(e -> e.getAttribute("textContent")).toList();
    }
}
