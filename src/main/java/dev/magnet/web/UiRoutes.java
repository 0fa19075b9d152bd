package dev.magnet.web;

import io.javalin.http.Context;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Serves the web UI: the page shell at {@code /} and at every UI path (the browser routes on the client), every other
 * file under {@code public/} at its own path (the app's modules and styles under {@code /app/}), and the browser
 * libraries from their WebJars under {@code /vendor/} (the Prism highlighter as one script of its core and the grammars
 * the UI uses, see {@link PrismBundle}). Everything is read from the classpath once at start.
 *
 * <p>Nothing here lists the UI by hand: the pages are the ones {@code public/app/pages.js} gives the client's router,
 * and the files are the ones in the build.
 *
 * <p>Every answer carries a strict Content-Security-Policy (scripts, styles and connections only from this
 * origin; no inline script, no framing of the UI; frames only of the preview origins) and is
 * cached with {@code no-cache} plus a content ETag, so a browser
 * revalidates and gets a 304 until the server runs a different build.
 */
public final class UiRoutes {
    /** The policy of every UI answer. */
    public static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
            "connect-src 'self'", "font-src 'self'", "manifest-src 'self'", "base-uri 'none'",
            "form-action 'self'", "frame-ancestors 'none'");

    private static final String ROOT = "public";
    private static final String SHELL = "index.html";
    private static final String PAGE_LIST = "app/pages.js";
    private static final Pattern PAGE_LIST_BLOCK = Pattern.compile("export const PAGES = \\{\\n(.*?)\\n};", Pattern.DOTALL);
    private static final Pattern PAGE_LINE = Pattern.compile("\\s*\\w+: '(/[^']*)',");
    private static final Map<String, String> VENDOR_FILES = Map.of(
            "marked.esm.js", "marked:lib/marked.esm.js",
            "marked.LICENSE.md", "marked:LICENSE.md",
            "purify.min.js", "dompurify:dist/purify.min.js",
            "purify.LICENSE", "dompurify:LICENSE",
            "prism.LICENSE", "prismjs:LICENSE");

    private final String policy;
    private final Asset shell;
    private final List<String> pages;
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    public UiRoutes() {
        this("");
    }

    /**
     * @param frameSource the origins the session page may show in a frame (the preview origins, {@code preview/PreviewUrls}),
     *                    or "" for none
     */
    public UiRoutes(String frameSource) {
        this.policy = frameSource.isBlank() ? CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY + "; frame-src " + frameSource;
        this.shell = new Asset(read(ROOT + "/" + SHELL), contentType(SHELL));
        this.pages = pagesOf(new String(read(ROOT + "/" + PAGE_LIST), StandardCharsets.UTF_8));
        for (String name : filesBeside(UiRoutes.class.getClassLoader(), ROOT + "/" + SHELL)) {
            if (!name.equals(SHELL)) {
                assets.put("/" + name, new Asset(read(ROOT + "/" + name), contentType(name)));
            }
        }
        VENDOR_FILES.forEach((name, source) -> {
            String[] parts = source.split(":", 2);
            assets.put("/vendor/" + name, new Asset(webJarFile(parts[0], parts[1]), contentType(name)));
        });
        assets.put("/vendor/prism.js", new Asset(PrismBundle.script(path -> webJarFile("prismjs", path)), contentType("prism.js")));
    }

    private static byte[] webJarFile(String artifact, String path) {
        return read("META-INF/resources/webjars/" + artifact + "/" + webJarVersion(artifact) + "/" + path);
    }

    public void register(RouteTable routes) {
        pages.forEach(page -> routes.webUi(page, ctx -> send(ctx, shell)));
        assets.forEach((path, asset) -> routes.webUi(path, ctx -> send(ctx, asset)));
        // why: browsers ask for /favicon.ico on any page that names no icon, e.g. a JSON answer of the API
        routes.webUi("/favicon.ico", ctx -> send(ctx, assets.get("/app/icon.svg")));
    }

    /** The paths where the browser shows a UI page, each answered with the page shell; {@code {id}} is one segment. */
    public List<String> pages() {
        return pages;
    }

    /** The bytes of the shell and every asset, by path: what a first visit can download at most. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("/", shell.body.length);
        assets.forEach((path, asset) -> sizes.put(path, asset.body.length));
        return sizes;
    }

    private void send(Context ctx, Asset asset) {
        ctx.header("Content-Security-Policy", policy);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("ETag", asset.etag);
        if (asset.etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(asset.contentType).result(asset.body);
    }

    private static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "js" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "html" -> "text/html; charset=utf-8";
            default -> "text/plain; charset=utf-8";
        };
    }

    // why: the WebJar's own pom.properties names its version, so pom.xml is the one place it is written
    private static String webJarVersion(String artifact) {
        String path = "META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties";
        Properties props = new Properties();
        try (InputStream in = UiRoutes.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the WebJar " + artifact + " is missing from the classpath; check pom.xml");
            }
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props.getProperty("version");
    }

    /**
     * The page paths of the client's page list: the {@code PAGES} object of {@code pages.js}, one
     * {@code name: '/path',} a line.
     *
     * @throws IllegalStateException when the list is missing or has a line of another form
     */
    static List<String> pagesOf(String pagesJs) {
        Matcher block = PAGE_LIST_BLOCK.matcher(pagesJs);
        if (!block.find()) {
            throw new IllegalStateException(PAGE_LIST + " has no `export const PAGES = {` ... `};` list");
        }
        List<String> paths = new ArrayList<>();
        for (String line : block.group(1).split("\\n")) {
            Matcher page = PAGE_LINE.matcher(line);
            if (!page.matches()) {
                throw new IllegalStateException(PAGE_LIST + ": the line \"" + line.strip() + "\" of PAGES is not name: '/path',");
            }
            paths.add(page.group(1));
        }
        return List.copyOf(paths);
    }

    /**
     * The files in the classpath folder that holds {@code file}, and in its subfolders, by path relative to that
     * folder and sorted; whether the build is a folder (tests, development) or a jar (a release). Names starting with
     * a dot are left out.
     */
    static List<String> filesBeside(ClassLoader loader, String file) {
        URL url = loader.getResource(file);
        if (url == null) {
            throw new IllegalStateException(file + " is missing from the build");
        }
        List<String> names = new ArrayList<>();
        try {
            if (url.getProtocol().equals("jar")) {
                JarURLConnection connection = (JarURLConnection) url.openConnection();
                connection.setUseCaches(false);
                String entry = connection.getEntryName();
                String prefix = entry.substring(0, entry.lastIndexOf('/') + 1);
                try (JarFile jar = connection.getJarFile()) {
                    jar.stream().filter(e -> !e.isDirectory() && e.getName().startsWith(prefix))
                            .forEach(e -> names.add(e.getName().substring(prefix.length())));
                }
            } else {
                Path folder = Path.of(url.toURI()).getParent();
                try (Stream<Path> files = Files.walk(folder)) {
                    files.filter(Files::isRegularFile)
                            .forEach(f -> names.add(folder.relativize(f).toString().replace(File.separatorChar, '/')));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the files beside " + file + " in the build", e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("could not list the files beside " + file + " in the build", e);
        }
        names.removeIf(name -> name.startsWith(".") || name.contains("/."));
        return names.stream().sorted().toList();
    }

    private static byte[] read(String path) {
        try (InputStream in = UiRoutes.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Asset(byte[] body, String contentType, String etag) {
        Asset(byte[] body, String contentType) {
            this(body, contentType, etagOf(body));
        }

        private static String etagOf(byte[] body) {
            try {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
                return "\"" + HexFormat.of().formatHex(hash, 0, 12) + "\"";
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
