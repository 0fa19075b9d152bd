package dev.magnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A browser for tests: keeps the cookies the server sets (as a browser would for one site), sends them back,
 * and sends the CSRF token the way the UI does, unless told not to. Never follows redirects.
 */
public final class Browser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String baseUrl;
    private final HttpClient http;
    private final Map<String, String> cookies = new LinkedHashMap<>();

    public Browser(String baseUrl) {
        this.baseUrl = baseUrl;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * A browser on another machine, as the server sees it: its connections come from {@code localAddress} (any
     * 127.x.y.z address reaches a server on loopback from that address on Linux).
     */
    public Browser(String baseUrl, InetAddress localAddress) {
        this.baseUrl = baseUrl;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).localAddress(localAddress).build();
    }

    public Answer signIn(String email, String password) {
        return post("/api/auth/signin", Map.of("email", email, "password", password));
    }

    public Answer get(String path) {
        return send("GET", path, null, true, Map.of());
    }

    public Answer post(String path, Object body) {
        return send("POST", path, body, true, Map.of());
    }

    public Answer patch(String path, Object body) {
        return send("PATCH", path, body, true, Map.of());
    }

    public Answer delete(String path) {
        return send("DELETE", path, null, true, Map.of());
    }

    /** Sends a request; with {@code withCsrf} the X-CSRF-Token header repeats the magnet_csrf cookie. */
    public Answer send(String method, String path, Object body, boolean withCsrf, Map<String, String> headers) {
        String text = body == null ? null : body instanceof String s ? s : write(body);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .method(method, text == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(text));
        if (text != null && headers.keySet().stream().noneMatch("Content-Type"::equalsIgnoreCase)) {
            b.header("Content-Type", "application/json");
        }
        if (!cookies.isEmpty()) {
            b.header("Cookie", String.join("; ", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
        }
        if (withCsrf && cookies.containsKey("magnet_csrf")) {
            b.header("X-CSRF-Token", cookies.get("magnet_csrf"));
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            List<String> setCookies = r.headers().allValues("set-cookie");
            for (String c : setCookies) {
                String pair = c.split(";", 2)[0];
                String name = pair.substring(0, pair.indexOf('='));
                String value = pair.substring(pair.indexOf('=') + 1);
                if (c.contains("Max-Age=0") || value.isEmpty()) {
                    cookies.remove(name);
                } else {
                    cookies.put(name, value);
                }
            }
            return new Answer(r.statusCode(), r.body(), r.headers().map(), setCookies);
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String cookie(String name) {
        return cookies.get(name);
    }

    public void setCookie(String name, String value) {
        cookies.put(name, value);
    }

    private static String write(Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP answer with its headers and the cookies it set. */
    public record Answer(int status, String body, Map<String, List<String>> headers, List<String> setCookies) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        /** The session of an answer of create, get, patch or retry ({@code {"session": …}}). */
        public JsonNode session() {
            return SessionAnswers.session(json());
        }

        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).findFirst()
                    .map(e -> e.getValue().get(0)).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
