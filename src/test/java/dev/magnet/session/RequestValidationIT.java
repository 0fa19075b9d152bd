package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Malformed requests get 400 (or 413) problem+json and create nothing. */
class RequestValidationIT {
    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension();
    static TestServer server;

    @BeforeAll
    static void start() {
        server = magnet.server();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{}",
            "{\"prompt\": \"\"}",
            "{\"prompt\": \"   \"}",
            "{\"prompt\": 42}",
            "{\"prompt\": [\"a\"]}",
            "{\"prompt\": \"ok\", \"repo\": 7}",
            "{\"prompt\": \"ok\", \"initialMessage\": {\"a\": 1}}",
            "{\"prompt\": \"ok\", \"repo\": \"x\", \"repoUrl\": [\"x\"]}",
            "{\"prompt\": \"ok\", \"baseBranch\": \"--upload-pack=x\"}",
            "{\"prompt\": \"ok\", \"baseBranch\": \"../x\"}",
            "{\"prompt\": \"ok\", \"baseBranch\": \"a..b\"}",
            "{\"prompt\": \"ok\", \"baseBranch\": \"\"}",
            "{\"prompt\": \"ok\", \"repo\": \"--upload-pack=touch /tmp/x\"}",
            "{\"prompt\": \"ok\", \"repo\": \"ext::sh -c touch% /tmp/pwned\"}",
            "{\"prompt\": \"ok\", \"model\": \"bad model; rm -rf /\"}",
            "{\"prompt\": \"ok\", \"title\": \"\"}",
            "{\"prompt\": \"ok\", \"surprise\": true}",
            "{\"prompt\": \"ok\", \"environmentId\": \"env-that-does-not-exist\"}",
            "not json at all",
            "{\"prompt\": \"ok\"} {}",
            "{\"prompt\": \"ok\"} trailing words",
            "{\"prompt\": \"ok\"}]",
            "[\"an\", \"array\"]",
            "\"a string\""})
    void a_malformed_create_request_gets_400_problem_json_and_creates_nothing(String body) {
        int before = count();
        TestServer.Response r = server.send("POST", "/api/sessions", body, TestServer.API_KEY, Map.of());
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().path("status").asInt()).isEqualTo(400);
        assertThat(r.json().path("title").asText()).isNotBlank();
        assertThat(r.json().path("detail").asText()).isNotBlank();
        assertThat(count()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json; charset=nonsense", "application/json; charset=@@", "text/plain; charset=x-unknown"})
    void a_body_in_a_charset_the_server_does_not_know_gets_415_problem_json_and_creates_nothing(String contentType) {
        int before = count();
        TestServer.Response r = server.send("POST", "/api/sessions", "{\"prompt\": \"ok\"}", TestServer.API_KEY,
                Map.of("Content-Type", contentType));
        assertThat(r.status()).as(r.body()).isEqualTo(415);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().path("status").asInt()).isEqualTo(415);
        assertThat(count()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"prompt\": \"a\\u0000b\"}", "{\"prompt\": \"ok\", \"title\": \"\\u0000\"}",
            "{\"prompt\": \"ok\", \"a\\u0000\": 1}"})
    void a_nul_character_anywhere_in_the_body_gets_400_and_creates_nothing(String body) {
        int before = count();
        TestServer.Response r = server.send("POST", "/api/sessions", body, TestServer.API_KEY, Map.of());
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().path("detail").asText()).contains("NUL");
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void a_follow_up_with_a_nul_character_gets_400() {
        String id = server.createSession(Map.of("prompt", "a session to follow up")).path("id").asText();
        TestServer.Response r = server.send("POST", "/api/sessions/" + id + "/messages", "{\"text\": \"hi\\u0000\"}",
                TestServer.API_KEY, Map.of());
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.json().path("field").asText()).isEqualTo("text");
    }

    @Test
    void a_problem_that_quotes_the_request_is_utf_8_json() {
        TestServer.Response r = server.send("POST", "/api/sessions", "{\"prompt\": \"ok\", \"日本語 é\u0085\": 1}",
                TestServer.API_KEY, Map.of());
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("field").asText()).isEqualTo("日本語 é\u0085");
        assertThat(r.json().path("detail").asText()).contains("日本語 é\u0085");
    }

    @Test
    void a_bad_field_is_named_in_the_problem() {
        TestServer.Response r = server.post("/api/sessions", Map.of("prompt", "ok", "baseBranch", "--upload-pack=x"));
        assertThat(r.json().path("field").asText()).isEqualTo("baseBranch");
        assertThat(server.post("/api/sessions", Map.of()).json().path("field").asText()).isEqualTo("prompt");
    }

    @Test
    void a_prompt_longer_than_the_limit_gets_400() {
        int before = count();
        TestServer.Response r = server.post("/api/sessions", Map.of("prompt", "x".repeat(SessionService.MAX_PROMPT_CHARS + 1)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().path("field").asText()).isEqualTo("prompt");
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void a_huge_body_is_refused_with_problem_json_and_creates_nothing() {
        int before = count();
        TestServer.Response r = server.post("/api/sessions", Map.of("prompt", "x".repeat(3 * 1024 * 1024)));
        assertThat(r.status()).isBetween(400, 413);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(count()).isEqualTo(before);
    }

    @Test
    void requests_without_a_valid_key_get_401_problem_json() {
        TestServer.Response none = server.send("GET", "/api/sessions", null, null, Map.of());
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(server.send("GET", "/api/sessions", null, "mgt_wrong", Map.of()).status()).isEqualTo(401);
        assertThat(server.send("POST", "/api/sessions", "{\"prompt\":\"x\"}", "mgt_wrong", Map.of()).status()).isEqualTo(401);
    }

    @Test
    void unknown_and_malformed_session_ids_get_404_problem_json() {
        for (String path : new String[] {"/api/sessions/nope", "/api/sessions/0190b0b0-0000-7000-8000-000000000000",
                "/api/sessions/..%2F..%2Fetc/events", "/api/sessions/0190b0b0-0000-7000-8000-000000000000/diff"}) {
            TestServer.Response r = server.get(path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.contentType()).as(path).startsWith("application/problem+json");
        }
    }

    @Test
    void bad_list_parameters_get_400() {
        assertThat(server.get("/api/sessions?status=sleeping").status()).isEqualTo(400);
        assertThat(server.get("/api/sessions?limit=0").status()).isEqualTo(400);
        assertThat(server.get("/api/sessions?limit=abc").status()).isEqualTo(400);
        assertThat(server.get("/api/sessions?cursor=zzz").status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/sessions?repo=a%00b", "/api/sessions?q=%00x", "/api/sessions?author=x%00", "/api/audit?action=a%00",
            "/api/sessions?a%00b=1"})
    void a_query_parameter_with_a_nul_character_gets_400_problem_json(String target) {
        TestServer.Response r = server.get(target);
        assertThat(r.status()).as(r.body()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().path("detail").asText()).contains("NUL");
    }

    @Test
    void the_openapi_description_is_served_without_a_key() {
        TestServer.Response r = server.send("GET", "/api/openapi.json", null, null, Map.of());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("openapi").asText()).startsWith("3.1");
        assertThat(r.json().path("paths").has("/api/sessions/{id}/events")).isTrue();
    }

    @Test
    void health_answers_everyone_and_metrics_are_off_without_a_token() {
        assertThat(server.send("GET", "/health/live", null, null, Map.of()).status()).isEqualTo(200);
        assertThat(server.send("GET", "/health/ready", null, null, Map.of()).json().path("database").asText()).isEqualTo("up");
        assertThat(server.send("GET", "/metrics", null, null, Map.of()).status()).isEqualTo(404);
    }

    private static int count() {
        return server.get("/api/sessions?limit=200").json().path("sessions").size();
    }
}
