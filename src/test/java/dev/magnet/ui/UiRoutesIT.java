package dev.magnet.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.TestServer;
import dev.magnet.web.UiRoutes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the server serves the web UI: pages, assets, caching and security headers. */
class UiRoutesIT {
    @TempDir
    static Path dir;

    private static FakeAnthropic model;
    private static TestServer server;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        model = FakeAnthropic.start();
        server = TestServer.start(dir.resolve("data"), model);
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    @Test
    void every_ui_path_answers_with_the_page_shell_under_a_strict_content_security_policy() throws Exception {
        List<String> pages = new UiRoutes().pages();
        assertThat(pages).contains("/", "/sessions/{id}");
        for (String page : pages) {
            String path = page.replace("{id}", "0197a3f2-5c1e-7b3a-9d2e-4f6a8b0c1d2e");
            HttpResponse<String> res = get(path, Map.of());
            assertThat(res.statusCode()).as(path).isEqualTo(200);
            assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
            assertThat(res.body()).contains("<main id=\"main\"").contains("/app/main.js");
            String csp = res.headers().firstValue("content-security-policy").orElseThrow();
            assertThat(csp).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
            assertThat(csp.split("[; ]+")).as("no whole scheme is a source").doesNotContain("http:", "https:", "*");
            assertThat(csp).as("frames only of the preview origins").containsPattern("frame-src http://\\*\\.preview\\.localhost:\\d+$");
            assertThat(res.headers().firstValue("x-content-type-options")).hasValue("nosniff");
        }
    }

    @Test
    void the_shell_has_no_inline_script_or_style_and_loads_nothing_from_another_origin() throws Exception {
        String html = get("/", Map.of()).body();
        assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContain("<style", "style=", "onload=", "onclick=");
        assertThat(html).doesNotContainPattern("(src|href)=\"(https?:)?//");
    }

    @Test
    void every_app_file_and_vendored_library_is_served_and_revalidated_by_its_etag() throws Exception {
        List<String> appFiles;
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/public/app"))) {
            appFiles = files.map(p -> "/app/" + p.getFileName()).sorted().toList();
        }
        Map<String, Integer> sizes = new UiRoutes().sizes();
        assertThat(sizes.keySet()).containsAll(appFiles).contains("/vendor/marked.esm.js", "/vendor/purify.min.js", "/vendor/prism.js",
                "/vendor/marked.LICENSE.md", "/vendor/purify.LICENSE", "/vendor/prism.LICENSE");
        for (String path : sizes.keySet()) {
            HttpResponse<String> first = get(path, Map.of());
            assertThat(first.statusCode()).as(path).isEqualTo(200);
            assertThat(first.headers().firstValue("cache-control")).as(path).hasValue("no-cache");
            String etag = first.headers().firstValue("etag").orElseThrow();
            HttpResponse<String> again = get(path, Map.of("If-None-Match", etag));
            assertThat(again.statusCode()).as(path).isEqualTo(304);
            assertThat(again.body()).isEmpty();
        }
        assertThat(get("/app/main.js", Map.of()).headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/javascript"));
    }

    @Test
    void the_page_weight_of_a_first_visit_is_small() throws IOException {
        Map<String, Integer> sizes = new UiRoutes().sizes();
        Set<String> firstVisit = firstVisit(sizes.keySet());
        assertThat(firstVisit).as("what a first visit loads").contains("/", "/app/main.js", "/app/session.js", "/vendor/prism.js")
                .doesNotContain("/app/console.js", "/app/environments.js");
        long raw = 0;
        long gzipped = 0;
        StringBuilder report = new StringBuilder("path\tbytes\tgzip\tfirst visit\n");
        for (var entry : sizes.entrySet()) {
            if (entry.getKey().contains("LICENSE")) {
                continue;
            }
            byte[] body = get(entry.getKey()).getBytes();
            int gz = gzip(body);
            boolean first = firstVisit.contains(entry.getKey());
            if (first) {
                raw += body.length;
                gzipped += gz;
            }
            report.append(entry.getKey()).append('\t').append(body.length).append('\t').append(gz).append('\t').append(first)
                    .append('\n');
        }
        report.append("first visit\t").append(raw).append('\t').append(gzipped).append('\n');
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/ui-page-weight.tsv"), report);
        System.out.print(report);
        assertThat(gzipped).as("gzipped bytes of the shell, app and libraries a first visit loads").isLessThan(100_000);
    }

    /**
     * What a first visit downloads: the shell, what it links ({@code href}, {@code src}), and the modules those import
     * statically, transitively; a module loaded with {@code import()} waits until its page is opened.
     */
    private static Set<String> firstVisit(Set<String> served) {
        Pattern linked = Pattern.compile("(?:href|src)=\"(/[^\"]+)\"");
        Pattern imported = Pattern.compile("(?m)^\\s*import\\s+(?:[^;]*?\\sfrom\\s+)?'([^']+)'");
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> next = new ArrayDeque<>(List.of("/"));
        while (!next.isEmpty()) {
            String path = next.pop();
            if (!served.contains(path) || !seen.add(path)) {
                continue;
            }
            String body = get(path);
            Matcher m = (path.endsWith(".js") ? imported : linked).matcher(body);
            while (m.find()) {
                next.add(URI.create("http://x" + path).resolve(m.group(1)).getPath());
            }
        }
        return seen;
    }

    private static String get(String path) {
        try {
            return get(path, Map.of()).body();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(String path, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int gzip(byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body);
        }
        return out.size();
    }
}
