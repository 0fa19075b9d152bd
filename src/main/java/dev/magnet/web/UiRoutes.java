package dev.magnet.web;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Serves the web UI: the page shell at {@code /} and at every UI path (the browser routes on the client), the
 * app's modules and styles under {@code /app/}, and the browser libraries from their WebJars under
 * {@code /vendor/}. Everything is read from the classpath once at start.
 *
 * <p>Every answer carries a strict Content-Security-Policy (scripts, styles and connections only from this
 * origin; no inline script, no framing) and is cached with {@code no-cache} plus a content ETag, so a browser
 * revalidates and gets a 304 until the server runs a different build.
 */
public final class UiRoutes {
    /** The policy of every UI answer. */
    public static final String CONTENT_SECURITY_POLICY = String.join("; ",
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
            "connect-src 'self'", "font-src 'self'", "manifest-src 'self'", "base-uri 'none'",
            "form-action 'self'", "frame-ancestors 'none'");
    /** The paths where the browser shows a UI page; each answers with the page shell. */
    public static final List<String> PAGES = List.of("/", "/new", "/keys", "/sessions/{id}", "/sessions/{id}/diff");

    private static final List<String> APP_FILES = List.of("main.js", "api.js", "stream.js", "dom.js", "format.js",
            "markdown.js", "highlight.js", "diff.js", "diff-view.js", "dashboard.js", "new-session.js", "session.js",
            "conversation.js", "timeline.js", "dialog.js", "account.js", "signin.js", "invite.js", "keys.js", "style.css",
            "icon.svg");
    private static final Map<String, String> VENDOR_FILES = Map.of(
            "marked.esm.js", "marked:lib/marked.esm.js",
            "marked.LICENSE.md", "marked:LICENSE.md",
            "purify.min.js", "dompurify:dist/purify.min.js",
            "purify.LICENSE", "dompurify:LICENSE");

    private final Asset shell;
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    public UiRoutes() {
        this.shell = new Asset(read("public/index.html"), "text/html; charset=utf-8");
        for (String name : APP_FILES) {
            assets.put("/app/" + name, new Asset(read("public/app/" + name), contentType(name)));
        }
        VENDOR_FILES.forEach((name, source) -> {
            String[] parts = source.split(":", 2);
            String path = "META-INF/resources/webjars/" + parts[0] + "/" + webJarVersion(parts[0]) + "/" + parts[1];
            assets.put("/vendor/" + name, new Asset(read(path), contentType(name)));
        });
    }

    public void register(RouteTable routes) {
        PAGES.forEach(page -> routes.webUi(page, ctx -> send(ctx, shell)));
        assets.forEach((path, asset) -> routes.webUi(path, ctx -> send(ctx, asset)));
        // why: browsers ask for /favicon.ico on any page that names no icon, e.g. a JSON answer of the API
        routes.webUi("/favicon.ico", ctx -> send(ctx, assets.get("/app/icon.svg")));
    }

    /** The bytes of the shell and every asset, by path: what a first visit can download at most. */
    public Map<String, Integer> sizes() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("/", shell.body.length);
        assets.forEach((path, asset) -> sizes.put(path, asset.body.length));
        return sizes;
    }

    private static void send(Context ctx, Asset asset) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
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
