package dev.magnet.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The Prism syntax highlighter as the UI loads it: one script made at start from the Prism WebJar, Prism's core
 * followed by the grammars of {@link #LANGUAGES} and every grammar they need, each after the ones it requires or
 * extends (as Prism's own {@code components.json} says). Nothing is built ahead of time: the files are the WebJar's,
 * minified by Prism's authors, only put one after the other.
 */
final class PrismBundle {
    /** The grammars the UI highlights with (the values of {@code LANGUAGES} in {@code public/app/highlight.js}). */
    static final List<String> LANGUAGES = List.of("markup", "css", "javascript", "jsx", "typescript", "tsx", "java",
            "kotlin", "scala", "groovy", "c", "cpp", "csharp", "go", "rust", "swift", "php", "dart", "json", "python",
            "bash", "ruby", "sql", "yaml", "toml", "properties", "scss", "docker", "makefile");

    private PrismBundle() {
    }

    /**
     * The grammars to load for {@code wanted}, each after what it requires and, when those are loaded too, after what
     * it optionally uses or modifies.
     *
     * @param components Prism's {@code components.json}
     * @throws IllegalStateException when a grammar is not one of Prism's
     */
    static List<String> loadOrder(JsonNode components, List<String> wanted) {
        JsonNode languages = components.path("languages");
        Set<String> included = new LinkedHashSet<>();
        for (String name : wanted) {
            include(languages, name, included);
        }
        List<String> order = new ArrayList<>();
        Set<String> visiting = new LinkedHashSet<>();
        for (String name : included) {
            visit(languages, name, included, visiting, order);
        }
        return order;
    }

    /**
     * The script: Prism's core, then each grammar of {@link #loadOrder}, minified, a line apart.
     *
     * @param read the bytes of a file of the WebJar by its path in it (e.g. {@code components/prism-core.min.js})
     */
    static byte[] script(Function<String, byte[]> read) {
        JsonNode components;
        try {
            components = Json.MAPPER.readTree(read.apply("components.json"));
        } catch (IOException e) {
            throw new UncheckedIOException("Prism's components.json cannot be read", e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(read.apply("components/prism-core.min.js"));
        for (String name : loadOrder(components, LANGUAGES)) {
            out.write('\n');
            out.writeBytes(read.apply("components/prism-" + name + ".min.js"));
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void include(JsonNode languages, String name, Set<String> included) {
        JsonNode language = languages.path(name);
        if (!language.isObject() || name.equals("meta")) {
            throw new IllegalStateException("Prism has no grammar '" + name + "'; check PrismBundle.LANGUAGES");
        }
        if (included.add(name)) {
            names(language.path("require")).forEach(required -> include(languages, required, included));
        }
    }

    private static void visit(JsonNode languages, String name, Set<String> included, Set<String> visiting, List<String> order) {
        if (order.contains(name)) {
            return;
        }
        if (!visiting.add(name)) {
            throw new IllegalStateException("Prism's grammars depend on each other in a cycle through '" + name + "'");
        }
        JsonNode language = languages.path(name);
        List<String> before = new ArrayList<>(names(language.path("require")));
        before.addAll(names(language.path("optional")));
        before.addAll(names(language.path("modify")));
        for (String other : before) {
            if (included.contains(other)) {
                visit(languages, other, included, visiting, order);
            }
        }
        visiting.remove(name);
        order.add(name);
    }

    /** A components.json dependency field: absent, one name, or a list of names. */
    private static List<String> names(JsonNode field) {
        if (field.isTextual()) {
            return List.of(field.asText());
        }
        List<String> names = new ArrayList<>();
        field.forEach(n -> names.add(n.asText()));
        return names;
    }
}
