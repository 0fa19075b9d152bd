package dev.magnet.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the UI's pages and files are found: from the client's page list and the files of the build. */
class UiRoutesTest {
    private static final List<String> FILES = List.of("index.html", "app/main.js", "app/pages.js", "app/parts/style.css",
            "app/.editor-swap", ".hidden");

    @TempDir
    Path dir;

    @Test
    void the_pages_are_the_paths_of_the_clients_page_list() {
        String pagesJs = """
                // a comment
                export const PAGES = {
                  dashboard: '/',
                  session: '/sessions/{id}',
                  sessionDiff: '/sessions/{id}/diff',
                };

                export function pathPattern(path) { return path; }
                """;
        assertThat(UiRoutes.pagesOf(pagesJs)).containsExactly("/", "/sessions/{id}", "/sessions/{id}/diff");
    }

    @Test
    void a_page_list_the_server_cannot_read_stops_the_start() {
        assertThatThrownBy(() -> UiRoutes.pagesOf("export const PAGES = {\n  home: \"/\",\n};\n"))
                .hasMessageContaining("home: \"/\"");
        assertThatThrownBy(() -> UiRoutes.pagesOf("const routes = [];")).hasMessageContaining("PAGES");
    }

    @Test
    void the_files_beside_the_shell_are_found_alike_in_a_folder_and_in_a_jar() throws IOException {
        Path folder = dir.resolve("classes");
        Path jar = dir.resolve("magnet.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out)) {
            for (String name : FILES) {
                Path file = folder.resolve("public").resolve(name);
                Files.createDirectories(file.getParent());
                Files.writeString(file, name);
                zip.putNextEntry(new JarEntry("public/" + name));
                zip.write(name.getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        List<String> expected = List.of("app/main.js", "app/pages.js", "app/parts/style.css", "index.html");
        try (URLClassLoader classes = new URLClassLoader(new URL[] {folder.toUri().toURL()}, null);
             URLClassLoader release = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            assertThat(UiRoutes.filesBeside(classes, "public/index.html")).isEqualTo(expected);
            assertThat(UiRoutes.filesBeside(release, "public/index.html")).isEqualTo(expected);
        }
    }

    @Test
    void every_file_of_the_build_is_served_and_every_page_of_the_client_answers_with_the_shell() {
        UiRoutes ui = new UiRoutes();
        assertThat(ui.pages()).contains("/", "/sessions/{id}");
        assertThat(ui.sizes()).containsKeys("/", "/app/main.js", "/app/pages.js", "/app/style.css", "/app/icon.svg",
                "/vendor/marked.esm.js", "/vendor/purify.min.js").doesNotContainKey("/index.html");
    }
}
