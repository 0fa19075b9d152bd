package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.FakeGitHub;
import dev.magnet.testing.Gate;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestResource;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Magnet's documented API (../shared/reference/magnet-api.md) replayed as written against the real server: each
 * request example of its reference pages, and every field its answers document. Our additions ride along; they are
 * not checked here.
 */
class MagnetApiContractIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String REPO = "acme/web-app";
    private static final List<String> LIST_FIELDS = List.of("id", "title", "status", "createdAt", "updatedAt", "model", "author",
            "metadata", "messageCount", "firstMessagePreview", "lastMessagePreview");
    private static final List<String> STATS = List.of("mergesPastWeek", "authorsPastWeek", "humansPastWeek", "humansPromptingNow");

    @RegisterExtension
    @Order(1)
    final TestResource<FakeGitHub> fakeGitHub = TestResource.inTempDir(dir -> {
        FakeGitHub github = FakeGitHub.start(dir);
        github.addRepo(REPO);
        return github;
    });
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(() -> fakeGitHub.get().appEnvironment("contract-webhook-secret"));

    private FakeAnthropic model;
    private TestServer server;
    private String organizationId;

    @BeforeEach
    void start() {
        model = magnet.model();
        server = magnet.server();
        organizationId = server.get("/api/me").json().path("workspace").path("id").asText();
    }

    @Test
    void the_documented_create_get_list_and_update_work_as_written_and_answer_every_documented_field() {
        model.script(Script.of(
                Turn.reply().text("I'll plan it.").toolUse("TodoWrite", Map.of("todos", List.of(
                        Map.of("content", "Add the toggle", "status", "completed", "activeForm", "Adding the toggle")))),
                Turn.reply().toolUse("Bash", Map.of("command", "echo dark > theme.txt && git add theme.txt && git commit -qm 'Dark mode'",
                        "description", "commit")),
                Turn.reply().text("Added a dark mode toggle.")));

        // POST /api/sessions: Magnet's example body, organizationId being the caller's workspace and GitHub's web address
        // the fake's (https://github.com/acme/web-app itself is taken with a github.com integration: GitHubIntegrationApiIT)
        TestServer.Response created = server.post("/api/sessions", Map.of("organizationId", organizationId,
                "initialMessage", "Add a dark mode toggle to the settings page", "repoUrl", fakeGitHub.get().apiUrl() + "/" + REPO,
                "baseBranch", "main", "model", "claude-opus-4-6"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode session = created.json().path("session");
        assertThat(session.path("status").asText()).isEqualTo("active");
        assertThat(session.path("messageCount").asInt()).isEqualTo(1);
        assertThat(session.path("metadata").path("repository").asText()).isEqualTo(REPO);
        assertThat(session.path("model").asText()).isEqualTo("claude-opus-4-6");
        assertThat(session.path("title").asText()).isEqualTo("Add a dark mode toggle to the settings page");
        hasListFields(session);
        String id = session.path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        // GET /api/sessions/{id}?organizationId=…: the list fields plus messages[] and tasks[]
        TestServer.Response got = server.get("/api/sessions/" + id + "?organizationId=" + organizationId);
        assertThat(got.status()).isEqualTo(200);
        JsonNode detail = got.json().path("session");
        hasListFields(detail);
        JsonNode messages = detail.path("messages");
        assertThat(messages.findValuesAsText("type")).startsWith("user").contains("assistant").endsWith("result");
        assertThat(messages.get(0).path("message").path("content").asText()).isEqualTo("Add a dark mode toggle to the settings page");
        JsonNode assistant = messages.get(1).path("message").path("content");
        assertThat(assistant.isArray()).isTrue();
        assertThat(assistant.get(0).path("type").asText()).isEqualTo("text");
        assertThat(assistant.get(0).path("text").asText()).isEqualTo("I'll plan it.");
        assertThat(detail.path("messageCount").asInt()).as("every message counts").isEqualTo(messages.size()).isGreaterThanOrEqualTo(4);
        assertThat(detail.path("firstMessagePreview").asText()).isEqualTo("Add a dark mode toggle to the settings page");
        assertThat(detail.path("lastMessagePreview").asText()).isEqualTo("Added a dark mode toggle.");
        JsonNode task = detail.path("tasks").get(0);
        assertThat(task.path("title").asText()).isEqualTo("Add the toggle");
        assertThat(task.path("status").asText()).isEqualTo("completed");
        assertThat(task.has("id")).isTrue();
        JsonNode metadata = detail.path("metadata");
        assertThat(metadata.path("branch").asText()).startsWith("magnet/");
        assertThat(metadata.path("prNumber").asInt()).isPositive();
        assertThat(metadata.path("prUrl").asText()).contains("/pull/");
        assertThat(metadata.path("prStatus").asText()).isEqualTo("open");

        // GET /api/sessions?organizationId=…: sessions without history, and the team's stats
        TestServer.Response listed = server.get("/api/sessions?organizationId=" + organizationId);
        assertThat(listed.status()).isEqualTo(200);
        JsonNode first = listed.json().path("sessions").get(0);
        hasListFields(first);
        assertThat(first.has("messages")).isFalse();
        assertThat(first.path("messageCount").asInt()).isEqualTo(messages.size());
        JsonNode stats = listed.json().path("stats");
        assertThat(STATS).allSatisfy(f -> assertThat(stats.path(f).isIntegralNumber()).as(f).isTrue());
        assertThat(stats.path("authorsPastWeek").asInt()).isEqualTo(1);
        assertThat(stats.path("humansPastWeek").asInt()).isEqualTo(1);
        assertThat(stats.path("humansPromptingNow").asInt()).isZero();

        // PATCH /api/sessions/{id}?organizationId=…: title, then the status it has (a no-op), then {}
        TestServer.Response renamed = server.patch("/api/sessions/" + id + "?organizationId=" + organizationId, Map.of("title", "Dark mode"));
        assertThat(renamed.status()).isEqualTo(200);
        assertThat(renamed.json().path("session").path("title").asText()).isEqualTo("Dark mode");
        hasListFields(renamed.json().path("session"));
        assertThat(server.patch("/api/sessions/" + id, Map.of("status", "completed")).session().path("status").asText()).isEqualTo("completed");
        assertThat(server.patch("/api/sessions/" + id, Map.of()).session().path("title").asText()).isEqualTo("Dark mode");
    }

    @Test
    void patching_the_status_is_a_no_op_a_cancel_or_a_conflict_that_names_the_verb() {
        Gate gate = Gate.closed();
        model.script(Script.of(Turn.reply().text("Working on it.").heldBy(gate)));
        String id = server.createSession(Map.of("prompt", "Hold on")).path("id").asText();

        TestServer.Response toCompleted = server.patch("/api/sessions/" + id, Map.of("status", "completed", "title", "not written"));
        assertThat(toCompleted.status()).isEqualTo(409);
        assertThat(toCompleted.json().path("detail").asText()).contains("cancel");
        assertThat(server.session(id).path("title").asText()).as("a refused change writes nothing").isEqualTo("Hold on");
        assertThat(server.patch("/api/sessions/" + id, Map.of("status", "active")).status()).isEqualTo(200);

        TestServer.Response cancelled = server.patch("/api/sessions/" + id, Map.of("status", "failed"));
        assertThat(cancelled.status()).isEqualTo(200);
        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("cancelled");
        gate.open();

        TestServer.Response reopen = server.patch("/api/sessions/" + id, Map.of("status", "active"));
        assertThat(reopen.status()).isEqualTo(409);
        assertThat(reopen.json().path("detail").asText()).contains("retry");
        assertThat(server.patch("/api/sessions/" + id, Map.of("status", "failed")).status()).isEqualTo(200);
        assertThat(server.patch("/api/sessions/" + id, Map.of("status", "sleeping")).status()).isEqualTo(400);
    }

    @Test
    void humans_prompting_now_counts_people_not_sessions() {
        Gate gate = Gate.closed();
        model.script(Script.of(Turn.reply().text("Working on it.").heldBy(gate).times(4)));
        String one = server.createSession(Map.of("prompt", "First")).path("id").asText();
        String two = server.createSession(Map.of("prompt", "Second")).path("id").asText();

        JsonNode stats = server.get("/api/sessions").json().path("stats");
        assertThat(stats.path("activeSessions").asInt()).isEqualTo(2);
        assertThat(stats.path("humansPromptingNow").asInt()).isEqualTo(1);
        assertThat(stats.path("authorsPastWeek").asInt()).isEqualTo(1);
        gate.open();
        server.awaitEnd(one);
        server.awaitEnd(two);
        assertThat(server.get("/api/sessions").json().path("stats").path("humansPromptingNow").asInt()).isZero();
    }

    @Test
    void an_organization_that_is_not_the_callers_is_refused_on_every_documented_route() {
        String id = server.createSession(Map.of("prompt", "Mine", "workspaceId", organizationId)).path("id").asText();
        String other = "0197a3f0-1111-7000-8000-000000000001";

        assertThat(server.post("/api/sessions", Map.of("organizationId", other, "initialMessage", "x")).status()).isEqualTo(403);
        assertThat(server.get("/api/sessions?organizationId=" + other).status()).isEqualTo(403);
        assertThat(server.get("/api/sessions/" + id + "?organizationId=" + other).status()).isEqualTo(403);
        assertThat(server.get("/api/sessions/" + id + "?workspaceId=" + other).status()).isEqualTo(403);
        TestServer.Response patched = server.patch("/api/sessions/" + id + "?organizationId=" + other, Map.of("title", "taken"));
        assertThat(patched.status()).isEqualTo(403);
        assertThat(patched.contentType()).startsWith("application/problem+json");
        assertThat(server.session(id).path("title").asText()).isEqualTo("Mine");
        assertThat(server.get("/api/sessions?organizationId=" + organizationId).json().path("sessions")).hasSize(1);
    }

    private static void hasListFields(JsonNode session) {
        assertThat(LIST_FIELDS).allSatisfy(f -> assertThat(session.has(f)).as(f + " in " + session).isTrue());
        assertThat(List.of("id", "name", "imageUrl")).allSatisfy(f -> assertThat(session.path("author").has(f)).as("author." + f).isTrue());
        assertThat(List.of("repository", "branch", "prNumber", "prUrl", "prStatus"))
                .allSatisfy(f -> assertThat(session.path("metadata").has(f)).as("metadata." + f).isTrue());
        assertThat(session.path("status").asText()).isIn("active", "completed", "failed");
    }
}
