package dev.magnet.environment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.TestResource;
import dev.magnet.testing.TestServer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /api/environments} on PostgreSQL: admins write, members read, secrets are write-only and sealed at rest,
 * bad input is refused naming the field and changes nothing, and a workspace has one default at most.
 */
class EnvironmentsIT {
    @RegisterExtension
    @Order(1)
    static final TestResource<PostgresSchema> schema = TestResource.of(PostgresSchema::create);
    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(() -> Map.of(
            "MAGNET_DATABASE_URL", schema.get().jdbcUrl()));
    static PostgresSchema db;
    static TestServer server;
    static String memberKey;

    @BeforeAll
    static void start() {
        db = schema.get();
        server = magnet.server();
        memberKey = server.newMemberKey("env-member@example.test");
    }

    @Test
    void an_admin_creates_an_environment_members_read_it_and_its_secrets_are_never_returned_nor_stored_in_clear() {
        String secret = "s3cr3t-value-" + System.nanoTime();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "Python app");
        body.put("setupScript", "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt");
        body.put("env", Map.of("APP_MODE", "test"));
        body.put("secrets", Map.of("DATABASE_PASSWORD", secret));
        body.put("network", Map.of("agent", Map.of("allow", List.of("pypi.org", "*.pythonhosted.org:443"))));
        body.put("cache", Map.of("key", "files", "files", List.of("requirements.txt")));
        body.put("previewPort", 8000);

        TestServer.Response created = server.post("/api/environments", body);

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode e = created.json();
        String id = e.path("id").asText();
        assertThat(e.path("secrets")).extracting(JsonNode::asText).containsExactly("DATABASE_PASSWORD");
        assertThat(e.path("network").path("setup").asText()).as("the setup default").isEqualTo("registries");
        assertThat(e.path("network").path("agent").path("allow")).extracting(JsonNode::asText)
                .containsExactly("pypi.org", "*.pythonhosted.org:443");
        assertThat(e.path("enabled").asBoolean()).isTrue();
        assertThat(e.path("default").asBoolean()).isFalse();
        assertThat(created.body()).doesNotContain(secret);

        TestServer.Response asMember = server.send("GET", "/api/environments/" + id, null, memberKey, Map.of());
        assertThat(asMember.status()).isEqualTo(200);
        assertThat(asMember.body()).doesNotContain(secret).contains("DATABASE_PASSWORD");
        assertThat(server.send("GET", "/api/environments", null, memberKey, Map.of()).json().path("environments")
                .findValuesAsText("name")).contains("Python app");
        assertThat(server.send("PATCH", "/api/environments/" + id, "{\"name\": \"mine\"}", memberKey, Map.of()).status())
                .as("members read only").isEqualTo(403);
        assertThat(server.send("POST", "/api/environments", "{\"name\": \"x\"}", memberKey, Map.of()).status()).isEqualTo(403);
        assertThat(server.send("DELETE", "/api/environments/" + id, null, memberKey, Map.of()).status()).isEqualTo(403);
        assertThat(db.dump()).as("sealed at rest").doesNotContain(secret);
        assertThat(db.column("select name from environment_secrets")).contains("DATABASE_PASSWORD");
    }

    @Test
    void bad_input_is_refused_naming_the_field_and_changes_nothing() {
        String id = server.post("/api/environments", Map.of("name", "Stable")).json().path("id").asText();
        String before = db.dump();
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("{}", "name");
        refused.put("{\"name\": \"\"}", "name");
        refused.put("{\"name\": \"Stable\"}", null);
        refused.put("{\"name\": \"x\", \"colour\": \"red\"}", "colour");
        refused.put("{\"name\": \"x\", \"previewPort\": 70000}", "previewPort");
        refused.put("{\"name\": \"x\", \"previewPort\": 18095}", "previewPort");
        refused.put("{\"name\": \"x\", \"previewPort\": \"80\"}", "previewPort");
        refused.put("{\"name\": \"x\", \"env\": {\"1BAD\": \"v\"}}", "env");
        refused.put("{\"name\": \"x\", \"env\": {\"ANTHROPIC_API_KEY\": \"v\"}}", "env");
        refused.put("{\"name\": \"x\", \"env\": {\"HTTPS_PROXY\": \"http://evil\"}}", "env");
        refused.put("{\"name\": \"x\", \"env\": {\"A\": 1}}", "env");
        refused.put("{\"name\": \"x\", \"env\": {\"A\": \"v\"}, \"secrets\": {\"A\": \"w-long-enough\"}}", "env");
        refused.put("{\"name\": \"x\", \"secrets\": {\"S\": \"short\"}}", "secrets");
        refused.put("{\"name\": \"x\", \"secrets\": {\"S\": \"\"}}", "secrets");
        refused.put("{\"name\": \"x\", \"secrets\": [\"S\"]}", "secrets");
        refused.put("{\"name\": \"x\", \"network\": {\"agent\": \"some\"}}", "network");
        refused.put("{\"name\": \"x\", \"network\": {\"build\": \"none\"}}", "network");
        refused.put("{\"name\": \"x\", \"network\": {\"agent\": {\"allow\": []}}}", "network");
        refused.put("{\"name\": \"x\", \"network\": {\"agent\": {\"allow\": [\"http://x.org/\"]}}}", "network");
        refused.put("{\"name\": \"x\", \"network\": {\"agent\": {\"allow\": [\"x.org\"], \"methods\": [\"BREW\"]}}}", "network");
        refused.put("{\"name\": \"x\", \"cache\": {\"key\": \"files\", \"files\": [\"../etc/passwd\"]}}", "cache");
        refused.put("{\"name\": \"x\", \"cache\": {\"key\": \"moon\"}}", "cache");
        refused.put("{\"name\": \"x\", \"image\": \"../../bin\"}", "image");
        refused.put("{\"name\": \"x\", \"branch\": \"bad..branch\"}", "branch");
        refused.put("{\"name\": \"x\", \"repo\": \"ftp://example.com/r.git\"}", "repo");
        refused.put("{\"name\": \"x\", \"enabled\": \"yes\"}", "enabled");
        refused.put("{\"name\": \"x\", \"setupScript\": 5}", "setupScript");

        for (Map.Entry<String, String> r : refused.entrySet()) {
            TestServer.Response created = server.send("POST", "/api/environments", r.getKey(), TestServer.API_KEY, Map.of());
            if (r.getValue() == null) {
                assertThat(created.status()).as("a taken name").isEqualTo(409);
                continue;
            }
            assertThat(created.status()).as(r.getKey() + " " + created.body()).isEqualTo(400);
            assertThat(created.contentType()).startsWith("application/problem+json");
            assertThat(created.body()).as(r.getKey()).contains(r.getValue());
            if (!r.getKey().equals("{}")) {
                TestServer.Response patched = server.send("PATCH", "/api/environments/" + id, r.getKey(),
                        TestServer.API_KEY, Map.of());
                assertThat(patched.status()).as("PATCH " + r.getKey()).isEqualTo(400);
            }
        }
        assertThat(db.dump()).as("nothing changed by a refused request").isEqualTo(before);
    }

    @Test
    void a_patch_changes_only_the_named_fields_and_secrets_by_name_and_a_workspace_has_one_default() {
        String first = server.post("/api/environments", Map.of("name", "First", "default", true,
                "secrets", Map.of("TOKEN_A", "a-value-long", "TOKEN_B", "b-value-long"))).json().path("id").asText();
        JsonNode second = server.post("/api/environments", Map.of("name", "Second", "default", true,
                "env", Map.of("KEEP", "1"))).json();

        assertThat(server.get("/api/environments/" + first).json().path("default").asBoolean())
                .as("the new default cleared the old").isFalse();
        assertThat(second.path("default").asBoolean()).isTrue();

        Map<String, Object> patch = new LinkedHashMap<>();
        patch.put("secrets", new LinkedHashMap<>(Map.of("TOKEN_C", "c-value-long")));
        ((Map<String, Object>) patch.get("secrets")).put("TOKEN_A", null);
        patch.put("setupScript", "echo hi");
        JsonNode patched = server.patch("/api/environments/" + first, patch).json();
        assertThat(patched.path("secrets")).extracting(JsonNode::asText).containsExactly("TOKEN_B", "TOKEN_C");
        assertThat(patched.path("setupScript").asText()).isEqualTo("echo hi");
        assertThat(patched.path("name").asText()).isEqualTo("First");

        JsonNode cleared = server.patch("/api/environments/" + first, Json.MAPPER.createObjectNode().putNull("setupScript"))
                .json();
        assertThat(cleared.path("setupScript").isNull()).isTrue();
        assertThat(cleared.path("secrets")).hasSize(2);

        String secondId = second.path("id").asText();
        assertThat(server.send("DELETE", "/api/environments/" + secondId, null, TestServer.API_KEY, Map.of()).status())
                .isEqualTo(204);
        assertThat(server.get("/api/environments/" + secondId).status()).isEqualTo(404);
        assertThat(server.get("/api/environments/not-an-id").status()).isEqualTo(404);
    }
}
