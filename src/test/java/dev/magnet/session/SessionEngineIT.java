package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.SseClient;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The session engine end to end: the real server, the real Claude Code CLI, real git, and the scripted fake model.
 */
class SessionEngineIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    private FakeAnthropic model;
    private TestServer server;
    private Path dir;
    private Path origin;

    @BeforeEach
    void start() {
        model = magnet.model();
        server = magnet.server();
        dir = magnet.dir();
        origin = GitFixtures.bareOrigin(dir, 3);
    }

    @Test
    void a_session_on_a_local_repo_thinks_writes_commits_and_pushes_only_its_branch() {
        model.script(Script.of(
                Turn.reply().thinking("I should add hello.txt and commit it.", "sig")
                        .text("I'll create the file.")
                        .toolUse("Write", Map.of("file_path", "hello.txt", "content", "hello world\n")),
                Turn.reply().toolUse("Bash", Map.of("command", "git add -A && git commit -qm 'Add hello'",
                        "description", "Commit the file")),
                Turn.reply().text("Done: created hello.txt and committed it.")));
        String mainBefore = GitFixtures.git(origin, "rev-parse", "main").strip();

        JsonNode created = server.createSession(Map.of("prompt", "Add hello.txt and commit it", "repo", origin.toString()));
        String id = created.path("id").asText();
        assertThat(created.path("status").asText()).isEqualTo("active");
        assertThat(created.path("phase").asText()).isEqualTo("queued");
        assertThat(created.path("branch").asText())
                .isEqualTo("magnet/" + dev.magnet.git.BranchName.shortId(id) + "-add-hello-txt-and-commit-it");

        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(done.path("failure").isNull()).isTrue();
        assertThat(done.path("baseBranch").asText()).isEqualTo("main");
        assertThat(done.path("phases").findValuesAsText("phase"))
                .containsSubsequence("queued", "provisioning", "cloning", "setting_up", "running", "finishing", "done");

        List<String> types = eventTypes(id);
        assertThat(types).containsSubsequence("user_message", "thinking", "tool_use", "tool_result", "file_change",
                "tool_use", "tool_result", "turn_result");
        JsonNode fileChange = firstEvent(id, "file_change");
        assertThat(fileChange.path("data").path("path").asText()).isEqualTo("hello.txt");
        assertThat(fileChange.path("data").path("diff").asText()).contains("+hello world");

        String diff = server.get("/api/sessions/" + id + "/diff").body();
        assertThat(diff).contains("hello.txt").contains("+hello world");
        JsonNode diffJson = server.get("/api/sessions/" + id + "/diff?format=json").json();
        assertThat(diffJson.path("files").findValuesAsText("path")).containsExactly("hello.txt");

        String branch = done.path("branch").asText();
        assertThat(GitFixtures.branches(origin)).containsExactlyInAnyOrder("main", branch);
        assertThat(GitFixtures.git(origin, "log", "--format=%s", branch)).contains("Add hello");
        assertThat(GitFixtures.git(origin, "log", "-1", "--format=%an <%ae>%n%B", branch))
                .startsWith("Magnet <magnet@localhost>").contains("Co-authored-by: admin <admin@localhost>");
        assertThat(GitFixtures.git(origin, "rev-parse", "main").strip()).isEqualTo(mainBefore);
        assertThat(done.path("messages").findValuesAsText("role")).containsSubsequence("user", "assistant", "result");
    }

    @Test
    void a_follow_up_sent_during_a_slow_first_turn_reaches_the_model_and_the_session_completes() throws Exception {
        Gate slow = Gate.closed();
        model.script(Script.of(
                Turn.reply().text("Working on the first part.").heldBy(slow),
                Turn.reply().text("Both parts done.")));

        String id = server.createSession(Map.of("prompt", "Do the first part")).path("id").asText();
        slow.awaitReached(TIMEOUT);
        assertThat(server.post("/api/sessions/" + id + "/messages", Map.of("text", "SECOND: also do this")).status())
                .isEqualTo(202);
        awaitEvent(id, "user_message", 2);
        slow.open();

        RecordedRequest carrying = model.awaitRequestMentioning("SECOND: also do this", TIMEOUT);
        assertThat(carrying.isMain()).isTrue();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(done.path("messageCount").asInt()).as("every message counts").isEqualTo(done.path("messages").size());
        assertThat(done.path("messages").findValuesAsText("type")).filteredOn("user"::equals).hasSize(2);
        assertThat(eventTypes(id)).contains("message_delivered");
    }

    @Test
    void a_follow_up_after_completion_resumes_the_conversation_and_adds_a_commit_to_the_same_branch() {
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo one > one.txt && git add one.txt && git commit -qm 'First'",
                        "description", "first commit")),
                Turn.reply().text("First done."),
                Turn.reply().toolUse("Bash", Map.of("command", "echo two > two.txt && git add two.txt && git commit -qm 'Second'",
                        "description", "second commit")),
                Turn.reply().text("Second done.")));
        String id = server.createSession(Map.of("prompt", "Make the first commit", "repo", origin.toString()))
                .path("id").asText();
        JsonNode first = server.awaitStatus(id, "completed", TIMEOUT);
        String branch = first.path("branch").asText();
        int requestsBefore = model.mainRequests().size();

        assertThat(server.post("/api/sessions/" + id + "/messages", Map.of("text", "Now the second commit")).status())
                .isEqualTo(202);
        assertThat(server.session(id).path("status").asText()).isEqualTo("active");
        JsonNode second = server.awaitStatus(id, "completed", TIMEOUT);

        RecordedRequest resumed = model.mainRequests().get(requestsBefore);
        assertThat(resumed.summary().messagesText()).anySatisfy(t -> assertThat(t).contains("Make the first commit"));
        assertThat(resumed.summary().messagesText()).anySatisfy(t -> assertThat(t).contains("Now the second commit"));
        assertThat(second.path("branch").asText()).isEqualTo(branch);
        assertThat(GitFixtures.git(origin, "log", "--format=%s", branch)).contains("First").contains("Second");
        assertThat(GitFixtures.branches(origin)).containsExactlyInAnyOrder("main", branch);
    }

    @Test
    void an_interrupt_during_a_long_bash_tool_ends_the_turn_and_the_next_message_works() throws Exception {
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command",
                        "python3 -c 'import time; open(\"started\", \"w\").close(); time.sleep(60)'",
                        "description", "wait a long time")),
                Turn.reply().text("All done.")));
        String id = server.createSession(Map.of("prompt", "Run the long job")).path("id").asText();
        awaitEvent(id, "tool_use", 1);
        Path started = server.dataDir().resolve("sessions/" + id + "/workspace/started");
        Awaitility.await().atMost(TIMEOUT).until(() -> Files.exists(started));

        assertThat(server.post("/api/sessions/" + id + "/interrupt", null).status()).isEqualTo(202);
        JsonNode interrupted = awaitEvent(id, "turn_result", 1);
        assertThat(interrupted.path("data").path("success").asBoolean()).isFalse();
        assertThat(server.session(id).path("status").asText()).isEqualTo("active");

        assertThat(server.post("/api/sessions/" + id + "/messages", Map.of("text", "Never mind, finish up")).status())
                .isEqualTo(202);
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(done.path("messages").findValuesAsText("text")).contains("All done.");
    }

    @Test
    void a_model_that_answers_401_fails_the_session_with_model_auth_failed_and_a_retry_succeeds_when_it_recovers() {
        model.script(Script.of(Turn.error(401, "authentication_error", "invalid x-api-key").times(20)));
        String id = server.createSession(Map.of("prompt", "Say hello")).path("id").asText();

        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("model_auth_failed");
        assertThat(failed.path("failure").path("phase").asText()).isEqualTo("running");
        assertThat(failed.path("failure").path("message").asText()).contains("401");
        assertThat(eventTypes(id)).contains("user_message", "model_retry", "turn_result");

        model.script(Script.of(Turn.reply().text("Hello!")));
        TestServer.Response retry = server.post("/api/sessions/" + id + "/retry", Map.of());
        assertThat(retry.status()).isEqualTo(201);
        String retryId = retry.session().path("id").asText();
        assertThat(retry.session().path("retryOf").asText()).isEqualTo(id);
        assertThat(server.awaitStatus(retryId, "completed", TIMEOUT).path("prompt").asText()).isEqualTo("Say hello");
    }

    @Test
    void a_model_that_keeps_answering_529_fails_the_session_with_model_unavailable() {
        model.script(Script.of(Turn.error(529, "overloaded_error", "Overloaded").times(20)));
        String id = server.createSession(Map.of("prompt", "Say hello")).path("id").asText();

        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("model_unavailable");
        assertThat(failed.path("failure").path("phase").asText()).isEqualTo("running");
        assertThat(server.get("/api/sessions/" + id + "/events").json().path("events").size()).isGreaterThan(2);
    }

    @Test
    void a_missing_base_branch_fails_in_cloning_with_a_clear_message() {
        String id = server.createSession(Map.of("prompt", "x", "repo", origin.toString(), "baseBranch", "nope"))
                .path("id").asText();
        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("clone_failed");
        assertThat(failed.path("failure").path("phase").asText()).isEqualTo("cloning");
        assertThat(failed.path("failure").path("message").asText()).contains("nope");
    }

    @Test
    void a_repository_that_does_not_exist_fails_in_cloning_with_a_clear_message() throws Exception {
        String notARepository = java.nio.file.Files.createDirectories(dir.resolve("no-such-repo.git")).toString();
        String id = server.createSession(Map.of("prompt", "x", "repo", notARepository)).path("id").asText();
        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("clone_failed");
        assertThat(failed.path("failure").path("phase").asText()).isEqualTo("cloning");
        assertThat(failed.path("failure").path("message").asText()).containsIgnoringCase("not");
    }

    @Test
    void a_local_path_that_does_not_exist_is_refused_when_the_session_is_created() {
        TestServer.Response refused = server.post("/api/sessions",
                Map.of("prompt", "x", "repo", dir.resolve("missing.git").toString()));

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().path("field").asText()).isEqualTo("repo");
        assertThat(refused.json().path("detail").asText()).contains("does not exist");
    }

    @Test
    void a_stream_client_that_reconnects_with_last_event_id_gets_every_event_exactly_once_in_order() throws Exception {
        Gate hold = Gate.closed();
        model.script(Script.of(
                Turn.reply().thinking("Plan the work.").text("Step one.").toolUse("Bash",
                        Map.of("command", "echo step", "description", "step")).chunked(4, Duration.ofMillis(5)),
                Turn.reply().text("Finished.").heldBy(hold)));
        String id = server.createSession(Map.of("prompt", "Stream some work")).path("id").asText();

        SseClient first = SseClient.open(server.baseUrl(), id, TestServer.API_KEY, null);
        assertThat(first.status()).isEqualTo(200);
        hold.awaitReached(TIMEOUT);
        first.awaitFrame(f -> "tool_result".equals(f.event()), TIMEOUT);
        first.disconnect();
        List<SseClient.Frame> seen = new ArrayList<>(first.events());
        String lastId = seen.get(seen.size() - 1).id();
        hold.open();

        SseClient second = SseClient.open(server.baseUrl(), id, TestServer.API_KEY, lastId);
        second.awaitEnd(TIMEOUT);
        seen.addAll(second.events());

        List<Long> ids = seen.stream().map(f -> Long.parseLong(f.id())).toList();
        long last = server.get("/api/sessions/" + id + "/events?limit=1000").json().path("nextAfter").asLong();
        assertThat(ids).isEqualTo(java.util.stream.LongStream.rangeClosed(1, last).boxed().toList());
        SseClient.Frame end = second.frames().get(second.frames().size() - 1);
        assertThat(end.event()).isEqualTo("end");
        assertThat(end.json().path("status").asText()).isEqualTo("completed");
    }

    private List<String> eventTypes(String id) {
        List<String> types = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events")
                .forEach(e -> types.add(e.path("type").asText()));
        return types;
    }

    private JsonNode firstEvent(String id, String type) {
        for (JsonNode e : server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events")) {
            if (type.equals(e.path("type").asText())) {
                return e;
            }
        }
        throw new AssertionError("no " + type + " event in " + eventTypes(id));
    }

    /** Waits for the n-th event of a type and returns it. */
    private JsonNode awaitEvent(String id, String type, int n) {
        try {
            return Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                    .until(() -> nthEvent(id, type, n), Optional::isPresent).orElseThrow();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no " + type + " event #" + n + " in " + eventTypes(id), e);
        }
    }

    private Optional<JsonNode> nthEvent(String id, String type, int n) {
        int count = 0;
        for (JsonNode e : server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events")) {
            if (type.equals(e.path("type").asText()) && ++count == n) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
