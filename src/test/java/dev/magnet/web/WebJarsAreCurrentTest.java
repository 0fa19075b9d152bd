package dev.magnet.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The browser libraries the UI serves are the newest Maven Central has: DOMPurify (the sanitiser of agent Markdown)
 * at its newest release, every other WebJar at its newest minor. What Central serves comes from the build itself:
 * the versions plugin writes the newer versions to {@code target/webjar-updates.txt} in the validate phase (pom.xml).
 *
 * <p>To bump: set the versions in pom.xml (the WebJar's version is read from its jar, nowhere else), run
 * {@code mvn -B validate} (the file then says nothing is newer), and run {@code UiRoutesIT}, {@code WebUiIT} and
 * {@code HighlightUiIT} in Chromium before committing.
 */
class WebJarsAreCurrentTest {
    private static final Pattern UPDATE = Pattern.compile("([\\w.-]+):([\\w.-]+)[\\s.]*?\\s(\\S+)\\s+->\\s+(\\S+)");
    /** The one WebJar held to every release, patches included: its XSS fixes ship as patches. */
    private static final String SANITISER = "org.webjars.npm:dompurify";

    @Test
    void no_webjar_is_older_than_what_maven_central_serves() throws IOException {
        Path report = Path.of(System.getProperty("magnet.webjarUpdates", "target/webjar-updates.txt"));
        assertThat(report).as("the versions plugin's report of the validate phase; run mvn validate").exists();
        assertThat(stale(Files.readString(report)))
                .as("WebJars older than Maven Central's; bump them in pom.xml (see this test's Javadoc)")
                .isEmpty();
    }

    @Test
    void the_sanitiser_must_take_every_release_the_others_every_minor() {
        String report = """
                The following dependencies in Dependencies have newer versions:
                  org.webjars.npm:dompurify ............................. 3.3.2 -> 3.3.3
                  org.webjars.npm:marked .............................. 17.0.0 -> 17.0.1
                  org.webjars.npm:prismjs ............................... 1.30.0 -> 1.31.0
                  org.webjars.npm:a-webjar-with-a-name-long-enough-to-wrap-the-line ........
                                                                         2.1.0 -> 3.0.0
                """;
        assertThat(stale(report)).containsExactly("org.webjars.npm:dompurify 3.3.2 -> 3.3.3",
                "org.webjars.npm:prismjs 1.30.0 -> 1.31.0",
                "org.webjars.npm:a-webjar-with-a-name-long-enough-to-wrap-the-line 2.1.0 -> 3.0.0");
        assertThat(stale("No dependencies in Dependencies have newer versions.\n")).isEmpty();
    }

    /** The updates of the report that the policy does not let wait, as {@code group:artifact old -> new}. */
    static List<String> stale(String report) {
        List<String> stale = new ArrayList<>();
        Matcher m = UPDATE.matcher(report);
        while (m.find()) {
            String artifact = m.group(1) + ":" + m.group(2);
            String used = m.group(3);
            String newest = m.group(4);
            if (artifact.equals(SANITISER) ? !used.equals(newest) : !minor(used).equals(minor(newest))) {
                stale.add(artifact + " " + used + " -> " + newest);
            }
        }
        return stale;
    }

    private static String minor(String version) {
        String[] parts = version.split("\\.");
        return parts.length < 2 ? version : parts[0] + "." + parts[1];
    }
}
