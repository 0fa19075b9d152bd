package dev.magnet.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Prism script the UI loads: every grammar the UI names is in it, each after those it needs. */
class PrismBundleTest {
    private static final Pattern LANGUAGE_VALUE = Pattern.compile("\\w+: '([\\w-]+)'");

    @Test
    void a_grammar_comes_after_what_it_requires_and_what_it_extends() {
        JsonNode components = Json.MAPPER.valueToTree(java.util.Map.of("languages", java.util.Map.of(
                "meta", java.util.Map.of("path", "components/prism-{id}"),
                "markup", java.util.Map.of(),
                "clike", java.util.Map.of(),
                "css", java.util.Map.of("modify", "markup"),
                "javascript", java.util.Map.of("require", "clike", "modify", "markup", "optional", "regex"),
                "tsx", java.util.Map.of("require", List.of("jsx", "typescript")),
                "jsx", java.util.Map.of("require", List.of("markup", "javascript")),
                "typescript", java.util.Map.of("require", "javascript"))));

        List<String> order = PrismBundle.loadOrder(components, List.of("tsx", "css"));

        assertThat(order).containsExactlyInAnyOrder("tsx", "jsx", "typescript", "javascript", "clike", "markup", "css");
        assertThat(order.indexOf("clike")).isLessThan(order.indexOf("javascript"));
        assertThat(order.indexOf("markup")).isLessThan(order.indexOf("javascript")).isLessThan(order.indexOf("css"));
        assertThat(order.indexOf("javascript")).isLessThan(order.indexOf("jsx")).isLessThan(order.indexOf("tsx"));
        assertThat(order.indexOf("typescript")).isLessThan(order.indexOf("tsx"));
        assertThat(order).doesNotContain("regex");
        assertThatThrownBy(() -> PrismBundle.loadOrder(components, List.of("cobol")))
                .hasMessageContaining("no grammar 'cobol'");
    }

    @Test
    void every_language_the_ui_highlights_is_in_the_script_after_the_prism_core() throws IOException {
        String highlightJs = Files.readString(Path.of("src/main/resources/public/app/highlight.js"));
        String map = highlightJs.substring(highlightJs.indexOf("const LANGUAGES = {"), highlightJs.indexOf("};",
                highlightJs.indexOf("const LANGUAGES = {")));
        Set<String> named = new TreeSet<>(List.of("docker", "makefile"));
        Matcher m = LANGUAGE_VALUE.matcher(map);
        while (m.find()) {
            named.add(m.group(1));
        }
        assertThat(named).hasSizeGreaterThan(20);
        assertThat(PrismBundle.LANGUAGES).containsAll(named);

        String script = new String(PrismBundle.script(PrismBundleTest::webJarFile), StandardCharsets.UTF_8);
        assertThat(script).startsWith(new String(webJarFile("components/prism-core.min.js"), StandardCharsets.UTF_8));
        for (String language : PrismBundle.LANGUAGES) {
            String grammar = new String(webJarFile("components/prism-" + language + ".min.js"), StandardCharsets.UTF_8);
            assertThat(script).as(language).contains(grammar);
        }
        assertThat(script.indexOf(text("components/prism-clike.min.js")))
                .isLessThan(script.indexOf(text("components/prism-java.min.js")));
    }

    private static String text(String path) {
        return new String(webJarFile(path), StandardCharsets.UTF_8);
    }

    private static byte[] webJarFile(String path) {
        ClassLoader loader = PrismBundleTest.class.getClassLoader();
        Properties pom = new Properties();
        try (InputStream in = loader.getResourceAsStream("META-INF/maven/org.webjars.npm/prismjs/pom.properties")) {
            pom.load(in);
            try (InputStream file = loader.getResourceAsStream("META-INF/resources/webjars/prismjs/" + pom.getProperty("version") + "/" + path)) {
                return file.readAllBytes();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
