package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.Browser;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.TestServer;
import dev.magnet.web.RouteTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance test 5: every API route the server registers, sent malformed ids, bodies, query parameters, credentials
 * and headers, answers only 4xx with problem+json, and the stored data (every table of the PostgreSQL schema) does not
 * change. The routes come from the server's route table: a new route that needs credentials is fuzzed as it is
 * registered, and one that needs a valid body ({@link #VALID_BODIES}) or is public ({@link #PUBLIC_FUZZ},
 * {@link #OPEN_TO_ANYONE}) fails this test until it gets one here.
 */
class RouteFuzzIT {
    static final String PASSWORD = "admin-password-for-tests";
    /**
     * The body each route that needs credentials, takes a body and names a resource in its path is sent with a valid
     * key and a bad id: valid, so that only the id is wrong.
     */
    static final Map<String, String> VALID_BODIES = Map.ofEntries(
            Map.entry("PATCH /api/sessions/{id}", "{\"title\": \"new\"}"),
            Map.entry("POST /api/sessions/{id}/messages", "{\"text\": \"hello\"}"),
            Map.entry("POST /api/sessions/{id}/comments", "{\"path\": \"a.txt\", \"line\": 1, \"text\": \"hello\"}"),
            Map.entry("POST /api/sessions/{id}/interrupt", "{}"),
            Map.entry("POST /api/sessions/{id}/cancel", "{}"),
            Map.entry("POST /api/sessions/{id}/retry", "{}"),
            Map.entry("PATCH /api/workspace/members/{userId}", "{\"role\": \"admin\"}"),
            Map.entry("PATCH /api/environments/{id}", "{\"name\": \"renamed\"}"),
            Map.entry("POST /api/sessions/{id}/preview/link", "{}"),
            Map.entry("POST /api/sessions/{id}/preview/start", "{}"),
            Map.entry("PUT /api/github/links/{login}", "{\"userId\": \"00000000-0000-0000-0000-000000000000\"}"),
            Map.entry("PATCH /api/webhooks/{id}", "{\"enabled\": false}"),
            Map.entry("POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver", "{}"));
    /** Public routes that answer anyone by design, with nothing to refuse: the description, the sign-in options, sign-out. */
    static final Set<String> OPEN_TO_ANYONE = Set.of("GET /api/openapi.json", "GET /api/auth/config", "POST /api/auth/signout");
    static final List<String> BAD_IDS = List.of("nope", "00000000-0000-0000-0000-000000000000", UUID.randomUUID().toString(),
            "%27%20or%201%3D1--", "..%2F..%2Fetc%2Fpasswd", "%00", "x".repeat(300), "%E2%80%AE", "-1");
    static final List<String> BAD_BODIES = List.of("not json", "[1, 2]", "\"a string\"", "42", "{\"zzz\": 1}", "{",
            "{\"name\": 5, \"title\": 5, \"text\": 5, \"role\": 5, \"workspaceId\": 5, \"prompt\": 5, \"email\": 5}",
            "{\"name\": null, \"title\": null, \"text\": null, \"role\": \"owner\", \"workspaceId\": null, \"newPassword\": null}");
    /** How each public route is fuzzed: it takes no credentials, so it is sent the malformed inputs it does read. */
    static final Map<String, Consumer<List<String>>> PUBLIC_FUZZ = Map.of(
            "POST /api/auth/signin", failures -> {
                for (String b : BAD_BODIES) {
                    check(failures, "signin body " + b, fresh("POST", "/api/auth/signin", b, null, Map.of()));
                }
                check(failures, "signin as text/plain", fresh("POST", "/api/auth/signin",
                        "{\"email\": \"admin@localhost\", \"password\": \"" + PASSWORD + "\"}", null,
                        Map.of("Content-Type", "text/plain")));
                check(failures, "signin with a wrong password", fresh("POST", "/api/auth/signin",
                        "{\"email\": \"admin@localhost\", \"password\": \"wrong\"}", null, Map.of()));
            },
            "POST /api/invites/{token}/accept", failures -> {
                for (String b : BAD_BODIES) {
                    check(failures, "accept body " + b, fresh("POST", "/api/invites/not-a-token/accept", b, null, Map.of()));
                }
            },
            "GET /api/invites/{token}", failures -> {
                for (String id : BAD_IDS) {
                    check(failures, "invite " + id, fresh("GET", "/api/invites/" + id, null, null, Map.of()));
                }
            },
            "GET /api/auth/oidc/start", failures -> check(failures, "oidc start when not configured",
                    fresh("GET", "/api/auth/oidc/start", null, null, Map.of())),
            "GET /api/auth/oidc/callback", failures -> check(failures, "oidc callback when not configured",
                    fresh("GET", "/api/auth/oidc/callback?code=x&state=y", null, null, Map.of())),
            "POST /api/github/webhooks", failures -> {
                for (String b : BAD_BODIES) {
                    check(failures, "webhook body " + b, fresh("POST", "/api/github/webhooks", b, null,
                            Map.of("X-GitHub-Event", "pull_request")));
                }
                check(failures, "webhook with a forged signature", fresh("POST", "/api/github/webhooks", "{}", null,
                        Map.of("X-GitHub-Event", "pull_request", "X-Hub-Signature-256", "sha256=" + "0".repeat(64))));
                check(failures, "webhook with a malformed signature", fresh("POST", "/api/github/webhooks", "{}", null,
                        Map.of("X-GitHub-Event", "pull_request", "X-Hub-Signature-256", "sha256=zz")));
            });

    @TempDir
    static Path dir;
    static FakeAnthropic model;
    static PostgresSchema db;
    static TestServer server;
    static final Pattern PARAMETER = Pattern.compile("\\{\\w+}");
    static String sessionId;
    static String adminId;

    @BeforeAll
    static void start() {
        model = FakeAnthropic.start();
        db = PostgresSchema.create();
        server = TestServer.start(dir.resolve("data"), model, Map.of("MAGNET_DATABASE_URL", db.jdbcUrl(),
                "MAGNET_ADMIN_PASSWORD", PASSWORD, "MAGNET_API_KEY_RATE_LIMIT", "100000"));
        sessionId = server.createSession(Map.of("prompt", "fuzz target")).path("id").asText();
        server.awaitStatus(sessionId, "completed", Duration.ofSeconds(90));
        adminId = server.get("/api/me").json().path("user").path("id").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
        db.close();
    }

    @Test
    void every_route_answers_malformed_requests_with_4xx_problem_json_and_changes_no_stored_data() {
        server.get("/api/me");
        String before = db.dump();
        List<String> failures = new ArrayList<>();
        Browser browser = new Browser(server.baseUrl());
        assertThat(browser.signIn(Bootstrap.ADMIN_EMAIL, PASSWORD).status()).isEqualTo(200);
        db.awaitNoActiveSessions(java.time.Duration.ofSeconds(60));
        before = db.dump();

        List<RouteTable.Route> api = server.magnet().routes().stream().filter(r -> r.path().startsWith("/api/")).toList();
        Set<String> named = new java.util.TreeSet<>(VALID_BODIES.keySet());
        named.addAll(PUBLIC_FUZZ.keySet());
        named.addAll(OPEN_TO_ANYONE);
        api.forEach(r -> named.remove(r.toString()));
        named.forEach(route -> failures.add(route + " is named here but the server registers no such route"));
        for (RouteTable.Route r : api) {
            if (r.isPublic()) {
                String route = r.toString();
                if (PUBLIC_FUZZ.containsKey(route)) {
                    PUBLIC_FUZZ.get(route).accept(failures);
                } else if (!OPEN_TO_ANYONE.contains(route)) {
                    failures.add(route + " is public but not fuzzed: add it to PUBLIC_FUZZ (or OPEN_TO_ANYONE)");
                }
                continue;
            }
            String route = r.toString();
            String method = r.method();
            String path = target(r.path());
            String body = takesBody(method) ? "{}" : null;
            check(failures, route + " without credentials", fresh(method, path, body, null, Map.of()));
            check(failures, route + " with an unknown key", fresh(method, path, body, "mgt_" + "A".repeat(43), Map.of()));
            check(failures, route + " with a garbage key", fresh(method, path, body, "'; drop table users; --", Map.of()));
            check(failures, route + " with a long key", fresh(method, path, body, "k".repeat(3000), Map.of()));
            check(failures, route + " with a forged cookie", fresh(method, path, body, null,
                    Map.of("Cookie", "magnet_session=forged; magnet_csrf=forged", "X-CSRF-Token", "forged")));
            check(failures, route + " with a garbage cookie header", fresh(method, path, body, null,
                    Map.of("Cookie", ";;;=;magnet_session")));
            if (!method.equals("GET")) {
                Browser.Answer a = browser.send(method, path, body, false, Map.of("X-CSRF-Token", "not-the-token"));
                check(failures, route + " by cookie with a wrong CSRF token", a.status(), a.body(), a.header("content-type"));
            }
            if (r.path().contains("{")) {
                String valid = takesBody(method) ? VALID_BODIES.get(route) : null;
                if (takesBody(method) && valid == null) {
                    failures.add(route + " has no valid body to send with bad ids: add one to VALID_BODIES");
                } else {
                    for (String id : BAD_IDS) {
                        String bad = PARAMETER.matcher(r.path()).replaceAll(Matcher.quoteReplacement(id));
                        check(failures, route + " id " + id, fresh(method, bad, valid, TestServer.API_KEY, Map.of()));
                    }
                }
            }
            if (body != null) {
                for (String b : BAD_BODIES) {
                    check(failures, route + " body " + b, fresh(method, path, b, TestServer.API_KEY, Map.of()));
                }
                check(failures, route + " huge body", fresh(method, path, "{\"x\": \"" + "y".repeat(1_100_000) + "\"}",
                        TestServer.API_KEY, Map.of()));
            }
        }
        for (String query : List.of("/api/sessions?limit=abc", "/api/sessions?limit=0", "/api/sessions?limit=100000",
                "/api/sessions?cursor=zzz", "/api/sessions?status=bogus", "/api/audit?before=nope", "/api/audit?limit=-1",
                "/api/audit?action=%27or", "/api/sessions/" + sessionId + "/events?after=-1",
                "/api/sessions/" + sessionId + "/events?after=abc", "/api/sessions/" + sessionId + "/events?limit=0",
                "/api/keys/%20", "/api/nothing-here")) {
            check(failures, "GET " + query, fresh("GET", query, null, TestServer.API_KEY, Map.of()));
        }
        check(failures, "events with a bad Last-Event-ID", fresh("GET", "/api/sessions/" + sessionId + "/events", null,
                TestServer.API_KEY, Map.of("Last-Event-ID", "abc", "Accept", "text/event-stream")));
        check(failures, "a member route as a member", fresh("PUT", "/api/keys", "{}", TestServer.API_KEY, Map.of()));

        assertThat(failures).isEmpty();
        assertThat(db.dump()).isEqualTo(before);
    }

    /**
     * Sends one request on a connection of its own.
     * why: the server (Jetty) closes the connection after some refusals (413, a NUL in the path); a shared
     * connection pool would then fail the next non-idempotent request in the client, not in the server
     */
    private static TestServer.Response fresh(String method, String path, String body, String apiKey, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        if (apiKey != null) {
            all.put("x-api-key", apiKey);
        }
        Browser.Answer a = new Browser(server.baseUrl()).send(method, path, body, false, all);
        return new TestServer.Response(a.status(), a.body(), a.header("content-type"));
    }

    /** The path with its parameters naming real things: the admin for a member, else the session. */
    private static String target(String path) {
        return PARAMETER.matcher(path.replace("{userId}", adminId)).replaceAll(sessionId);
    }

    private static boolean takesBody(String method) {
        return !method.equals("GET") && !method.equals("DELETE");
    }

    private static void check(List<String> failures, String what, TestServer.Response r) {
        check(failures, what, r.status(), r.body(), r.contentType());
    }

    private static void check(List<String> failures, String what, int status, String body, String contentType) {
        if (status < 400 || status > 499) {
            failures.add(what + " -> " + status + " " + abbreviate(body));
            return;
        }
        if (contentType == null || !contentType.startsWith("application/problem+json")) {
            failures.add(what + " -> " + status + " as " + contentType);
            return;
        }
        try {
            JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
            if (json.path("status").asInt() != status || json.path("title").asText().isBlank()) {
                failures.add(what + " -> problem without status/title: " + abbreviate(body));
            }
        } catch (java.io.IOException e) {
            failures.add(what + " -> not JSON: " + abbreviate(body));
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
