package dev.magnet.environment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakePackageIndex;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Environments end to end with the real CLI in bubblewrap (issue 11, acceptance 1 to 4): a setup script installs a
 * package from a package index on this machine into a virtual environment, through the egress proxy under the setup
 * network policy; the agent then runs the project's tests with it, sees the environment's variables, and its secret
 * only redacted; the agent's own network policy decides whether it reaches the index, and every attempt is an
 * {@code egress} event; a failing setup fails the session {@code setup_failed} with its output, and a retry after the
 * fix works; a branch carrying a secret's value is not pushed.
 */
class EnvironmentSetupIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final String SECRET = "tok-secret-" + Long.toHexString(System.nanoTime()) + "-xyz";
    private static FakePackageIndex index;

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(() -> Map.of(
            "MAGNET_EGRESS_PRIVATE_ADDRESSES", FakePackageIndex.HOST,
            "MAGNET_REGISTRIES", FakePackageIndex.HOST));

    @BeforeAll
    static void startIndex() {
        index = FakePackageIndex.start();
    }

    @AfterAll
    static void stopIndex() {
        index.close();
    }

    @Test
    void setup_installs_from_the_index_the_agent_runs_the_tests_with_it_and_sees_variables_but_no_secret() {
        TestServer server = magnet.server();
        Path origin = project();
        String envId = createEnvironment(server, installScript(), "none");
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "\"$HOME/venv/bin/python\" -m unittest -v test_demo 2>&1; "
                        + "echo \"greeting=$GREETING token=$API_TOKEN\"; "
                        + "curl -s -o /dev/null -w 'index=%{http_code}\\n' " + index.simpleUrl() + FakePackageIndex.PACKAGE + "/",
                        "description", "run the tests")),
                Turn.reply().text("The tests pass.")));

        String id = server.createSession(Map.of("prompt", "Run the tests", "environmentId", envId, "repo",
                origin.toString())).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        List<JsonNode> events = events(server, id);
        assertThat(text(events, "setup_output")).contains("Successfully installed " + FakePackageIndex.PACKAGE + "-1.0");
        String tools = text(events, "tool_result");
        assertThat(tools).as("the project's tests, in the sandbox").contains("test_greet").contains("OK");
        assertThat(tools).contains("greeting=hi-there").contains("token=[redacted:API_TOKEN]");
        assertThat(tools).as("the agent's policy is none: the proxy refused").contains("index=403");
        assertThat(egress(events, "setup", true)).as("setup reached the index").isNotEmpty();
        assertThat(egress(events, "agent", false)).as("the agent's attempt, denied").isNotEmpty()
                .allSatisfy(e -> assertThat(e.path("host").asText()).isEqualTo(FakePackageIndex.HOST));
        assertThat(server.session(id).path("phases").findValuesAsText("phase")).contains("setting_up");
        assertThat(server.get("/api/sessions/" + id + "/events?limit=1000").body()).doesNotContain(SECRET);
    }

    @Test
    void an_agent_policy_naming_the_index_lets_the_agent_reach_it() {
        TestServer server = magnet.server();
        String envId = createEnvironment(server, null, Map.of("allow", List.of(FakePackageIndex.HOST + ":" + index.port())));
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "curl -s -o /dev/null -w 'index=%{http_code}\\n' "
                        + index.simpleUrl() + FakePackageIndex.PACKAGE + "/", "description", "reach the index")),
                Turn.reply().text("Reached it.")));

        String id = server.createSession(Map.of("prompt", "Reach the index", "environmentId", envId)).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        List<JsonNode> events = events(server, id);
        assertThat(text(events, "tool_result")).contains("index=200");
        assertThat(egress(events, "agent", true)).singleElement().satisfies(e -> {
            assertThat(e.path("method").asText()).isEqualTo("GET");
            assertThat(e.path("bytesReceived").asLong()).isPositive();
        });
    }

    @Test
    void a_failing_setup_fails_the_session_with_its_output_and_a_retry_after_the_fix_works() {
        TestServer server = magnet.server();
        String envId = createEnvironment(server, "echo preparing\nno-such-tool --install\necho never reached", "none");
        magnet.model().script(Script.of(Turn.reply().text("Set up and done.")));

        String id = server.createSession(Map.of("prompt", "Anything", "environmentId", envId)).path("id").asText();
        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);

        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("setup_failed");
        assertThat(failed.path("failure").path("phase").asText()).isEqualTo("setting_up");
        assertThat(failed.path("failure").path("message").asText()).contains("exit code 127").contains("preparing")
                .contains("no-such-tool").doesNotContain("never reached");
        assertThat(magnet.model().requests()).as("the agent never started").isEmpty();

        server.patch("/api/environments/" + envId, Map.of("setupScript", "echo preparing\necho ready"));
        String retry = server.post("/api/sessions/" + id + "/retry", Map.of()).session().path("id").asText();
        server.awaitStatus(retry, "completed", TIMEOUT);
        assertThat(text(events(server, retry), "setup_output")).contains("ready");
    }

    @Test
    void a_branch_that_carries_a_secrets_value_is_not_pushed() {
        TestServer server = magnet.server();
        Path origin = project();
        String envId = createEnvironment(server, null, "none");
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "printf '%s\\n' \"$API_TOKEN\" > config.txt",
                        "description", "write the config")),
                Turn.reply().text("Wrote the config.")));

        String id = server.createSession(Map.of("prompt", "Write the config", "environmentId", envId, "repo",
                origin.toString())).path("id").asText();
        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);

        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("push_rejected");
        assertThat(failed.path("failure").path("message").asText()).contains("API_TOKEN").doesNotContain(SECRET);
        assertThat(GitFixtures.branches(origin)).as("nothing reached the origin").containsExactly("main");
        String diff = server.get("/api/sessions/" + id + "/diff").body();
        assertThat(diff).contains("[redacted:API_TOKEN]").doesNotContain(SECRET);
    }

    private Path project() {
        return GitFixtures.bareOriginWith(magnet.dir(), Map.of("test_demo.py", """
                import unittest

                import magnetdemo


                class DemoTest(unittest.TestCase):
                    def test_greet(self):
                        self.assertEqual(magnetdemo.greet(), "hello from the index")


                if __name__ == "__main__":
                    unittest.main()
                """));
    }

    private static String installScript() {
        return "python3 -m venv \"$HOME/venv\"\n\"$HOME/venv/bin/pip\" install --disable-pip-version-check --no-cache-dir "
                + "--index-url " + index.simpleUrl() + " --trusted-host " + FakePackageIndex.HOST + " "
                + FakePackageIndex.PACKAGE;
    }

    private static String createEnvironment(TestServer server, String setupScript, Object agentPolicy) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "env-" + System.nanoTime());
        body.put("setupScript", setupScript);
        body.put("env", Map.of("GREETING", "hi-there"));
        body.put("secrets", Map.of("API_TOKEN", SECRET));
        body.put("network", Map.of("agent", agentPolicy));
        TestServer.Response created = server.post("/api/environments", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("id").asText();
    }

    private static List<JsonNode> events(TestServer server, String id) {
        List<JsonNode> events = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(events::add);
        return events;
    }

    private static String text(List<JsonNode> events, String type) {
        StringBuilder out = new StringBuilder();
        events.stream().filter(e -> e.path("type").asText().equals(type)).forEach(e -> out.append(e.path("data")).append('\n'));
        return out.toString();
    }

    private static List<JsonNode> egress(List<JsonNode> events, String phase, boolean allowed) {
        return events.stream().filter(e -> e.path("type").asText().equals("egress")).map(e -> e.path("data"))
                .filter(d -> d.path("phase").asText().equals(phase) && d.path("allowed").asBoolean() == allowed).toList();
    }
}
