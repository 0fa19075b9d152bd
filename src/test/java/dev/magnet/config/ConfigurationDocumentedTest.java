package dev.magnet.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration table lists every {@code MAGNET_*} setting the code reads, and nothing else: a name
 * read in {@code src/main/java} (a string literal that is the whole name) or by {@code logback.xml}
 * ({@code ${MAGNET_…}}), except the names Magnet only sets for the helpers it starts ({@code env.put("MAGNET_…", …)}).
 */
class ConfigurationDocumentedTest {
    private static final Pattern LITERAL = Pattern.compile("\"(MAGNET_[A-Z0-9_]+)\"");
    private static final Pattern SET_FOR_A_CHILD = Pattern.compile("\\.put\\(\\s*$");
    private static final Pattern LOGBACK_VARIABLE = Pattern.compile("\\$\\{(MAGNET_[A-Z0-9_]+)");
    private static final Pattern NAME = Pattern.compile("MAGNET_[A-Z0-9_]+");

    @Test
    void every_setting_the_code_reads_is_in_the_readme_table_and_every_one_there_is_read() throws IOException {
        Set<String> read = readByTheCode(Path.of("src/main/java"), Path.of("src/main/resources/logback.xml"));
        Set<String> documented = documentedIn(Files.readString(Path.of("README.md")));

        assertThat(read).as("sanity: the scan finds the settings").contains("MAGNET_PORT", "MAGNET_LOG_LEVEL",
                "MAGNET_LOG_FORMAT", "MAGNET_URL").doesNotContain("MAGNET_BRANCH", "MAGNET_NPROC");
        assertThat(difference(read, documented)).as("MAGNET_* read by the code but missing from README.md's "
                + "configuration table").isEmpty();
        assertThat(difference(documented, read)).as("MAGNET_* in README.md's configuration table that nothing reads")
                .isEmpty();
    }

    @Test
    void a_name_only_given_to_a_child_process_is_not_a_setting() {
        Set<String> names = namesIn("""
                env.put("MAGNET_BRANCH", branch);
                String port = env.get("MAGNET_PORT");
                throw new IllegalArgumentException("MAGNET_PORT must be a number");
                public static final String SETTING = "MAGNET_WORKSPACE_CREATORS";
                """);
        assertThat(names).containsExactlyInAnyOrder("MAGNET_PORT", "MAGNET_WORKSPACE_CREATORS");
        assertThat(documentedIn("""
                ## Configuration (environment)

                | variable | default | meaning |
                |---|---|---|
                | `MAGNET_PORT` | `7070` | HTTP port, see also `MAGNET_DATA_DIR` |
                | `MAGNET_GIT_NAME`, `MAGNET_GIT_EMAIL` | `Magnet` | identity |

                ## Sandbox
                | `MAGNET_SANDBOX` | not in the configuration table |
                """)).containsExactlyInAnyOrder("MAGNET_PORT", "MAGNET_GIT_NAME", "MAGNET_GIT_EMAIL");
    }

    private static Set<String> readByTheCode(Path sources, Path logback) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(sources)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> names.addAll(namesIn(read(f))));
        }
        LOGBACK_VARIABLE.matcher(Files.readString(logback)).results().forEach(r -> names.add(r.group(1)));
        return names;
    }

    private static Set<String> namesIn(String java) {
        Set<String> names = new TreeSet<>();
        Matcher m = LITERAL.matcher(java);
        while (m.find()) {
            String before = java.substring(Math.max(0, m.start() - 40), m.start());
            if (!SET_FOR_A_CHILD.matcher(before).find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** The names in the first cell of each row of the README's "Configuration" table. */
    private static Set<String> documentedIn(String readme) {
        int start = readme.indexOf("## Configuration");
        assertThat(start).as("README.md has a ## Configuration section").isNotNegative();
        int end = readme.indexOf("\n## ", start + 3);
        Set<String> names = new TreeSet<>();
        for (String line : readme.substring(start, end < 0 ? readme.length() : end).split("\n")) {
            if (line.startsWith("| `")) {
                String firstCell = line.substring(1, line.indexOf('|', 1));
                NAME.matcher(firstCell).results().forEach(r -> names.add(r.group()));
            }
        }
        return names;
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> d = new TreeSet<>(a);
        d.removeAll(b);
        return d;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
