package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.FakeGitHub;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestResource;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The GitHub integration end to end: the real server, the real Claude Code CLI and git, against a fake GitHub
 * (REST and git smart HTTP over real bare repositories) and the scripted fake model.
 */
class GitHubIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String WEBHOOK_SECRET = "webhook-secret-for-tests-0123";
    private static final String REPO = "acme/web-app";

    // why: made with the test instance, before the extensions start the fake GitHub and the server, so their whole
    // log is checked
    private final ListAppender<ILoggingEvent> logs = attachedLogs();
    @RegisterExtension
    @Order(1)
    final TestResource<FakeGitHub> fakeGitHub = TestResource.inTempDir(dir -> {
        FakeGitHub github = FakeGitHub.start(dir);
        github.addRepo(REPO);
        return github;
    });
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(() -> fakeGitHub.get().appEnvironment(WEBHOOK_SECRET));

    private FakeAnthropic model;
    private FakeGitHub github;
    private TestServer server;

    @BeforeEach
    void start() {
        model = magnet.model();
        github = fakeGitHub.get();
        server = magnet.server();
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    }

    private static ListAppender<ILoggingEvent> attachedLogs() {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
        return logs;
    }

    @Test
    void a_session_on_a_github_repo_pushes_only_its_branch_opens_a_pr_and_a_signed_merge_webhook_marks_it_merged() {
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo hello > hello.txt && git add hello.txt && git commit -qm 'Add hello'",
                        "description", "commit")),
                Turn.reply().text("Added hello.txt with a greeting.")));
        String mainBefore = GitFixtures.git(github.bare(REPO), "rev-parse", "main").strip();

        JsonNode created = server.createSession(Map.of("prompt", "Add hello.txt", "repo", github.apiUrl() + "/acme/web-app.git"));
        String id = created.path("id").asText();
        assertThat(created.path("repo").asText()).isEqualTo(REPO);
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        String branch = done.path("branch").asText();
        assertThat(GitFixtures.branches(github.bare(REPO))).containsExactlyInAnyOrder("main", branch);
        assertThat(GitFixtures.git(github.bare(REPO), "rev-parse", "main").strip()).isEqualTo(mainBefore);
        List<JsonNode> pulls = github.pulls(REPO);
        assertThat(pulls).hasSize(1);
        JsonNode pr = pulls.get(0);
        assertThat(pr.path("head").path("ref").asText()).isEqualTo(branch);
        assertThat(pr.path("base").path("ref").asText()).isEqualTo("main");
        assertThat(pr.path("title").asText()).isEqualTo("Add hello.txt");
        assertThat(pr.path("body").asText()).contains("Added hello.txt with a greeting.").contains("`hello.txt`")
                .contains("/sessions/" + id);
        assertThat(done.path("pr").path("number").asInt()).isEqualTo(pr.path("number").asInt());
        assertThat(done.path("pr").path("url").asText()).isEqualTo(pr.path("html_url").asText());
        assertThat(done.path("pr").path("state").asText()).isEqualTo("open");
        assertThat(prEvents(id)).extracting(e -> e.path("data").path("action").asText()).containsExactly("opened");

        String merged = mergedPayload(pr.path("number").asInt());
        assertThat(webhook(merged, "delivery-1", "sha256=" + "0".repeat(64)).status()).isEqualTo(401);
        assertThat(webhook(merged, "delivery-2", null).status()).isEqualTo(401);
        assertThat(server.session(id).path("pr").path("state").asText()).isEqualTo("open");

        assertThat(webhook(merged, "delivery-3", Webhooks.sign(WEBHOOK_SECRET, bytes(merged))).status()).isEqualTo(200);
        assertThat(server.session(id).path("pr").path("state").asText()).isEqualTo("merged");
        assertThat(webhook(merged, "delivery-3", Webhooks.sign(WEBHOOK_SECRET, bytes(merged))).json().path("duplicate").asBoolean())
                .isTrue();
        assertThat(prEvents(id)).extracting(e -> e.path("data").path("state").asText()).containsExactly("open", "merged");
        assertThat(server.get("/api/sessions").json().path("stats").path("mergesPastWeek").asLong()).isEqualTo(1);
    }

    @Test
    void the_installation_token_is_never_visible_to_the_agent_nor_in_events_or_logs() {
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "cat .git/config; git remote -v", "description", "config")),
                Turn.reply().toolUse("Bash", Map.of("command", "env", "description", "environment")),
                Turn.reply().toolUse("Bash", Map.of("command", "ps auxww", "description", "processes")),
                Turn.reply().toolUse("Bash", Map.of("command", "echo x > x.txt && git add x.txt && git commit -qm x", "description", "commit")),
                Turn.reply().text("Looked around.")));
        String id = server.createSession(Map.of("prompt", "Look around", "repo", REPO)).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(github.issuedTokens()).isNotEmpty();
        String events = server.get("/api/sessions/" + id + "/events?limit=1000").body();
        assertThat(events).contains(github.apiUrl() + "/acme/web-app.git (push)").contains("ANTHROPIC_BASE_URL")
                .doesNotContain("Authorization: Basic").doesNotContain("extraHeader");
        String modelSaw = String.join("\n", model.requests().stream().map(r -> r.body().toString()).toList());
        String logText = String.join("\n", logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        String gitConfig = GitFixtures.git(server.dataDir(), "config", "--file",
                server.dataDir().resolve("sessions").toString() + "/" + id + "/workspace/.git/config", "--list");
        for (FakeGitHub.Token token : github.issuedTokens()) {
            assertThat(events).doesNotContain(token.value());
            assertThat(modelSaw).doesNotContain(token.value());
            assertThat(logText).doesNotContain(token.value());
            assertThat(gitConfig).doesNotContain(token.value());
        }
        assertThat(gitConfig).contains("remote.origin.url=" + github.apiUrl() + "/acme/web-app.git");
    }

    @Test
    void a_missing_repo_a_forbidden_repo_and_a_missing_branch_fail_in_cloning_with_fakeGitHub_reason() {
        github.addRepo("acme/secret");
        github.forbid("acme/secret");
        model.script(Script.of(Turn.reply().text("never reached")));

        JsonNode missing = failed(Map.of("prompt", "x", "repo", "acme/nope"));
        assertThat(missing.path("failure").path("reason").asText()).isEqualTo("clone_failed");
        assertThat(missing.path("failure").path("phase").asText()).isEqualTo("cloning");
        assertThat(missing.path("failure").path("message").asText()).contains("acme/nope").contains("Not Found");

        JsonNode forbidden = failed(Map.of("prompt", "x", "repo", "acme/secret"));
        assertThat(forbidden.path("failure").path("reason").asText()).isEqualTo("clone_failed");
        assertThat(forbidden.path("failure").path("message").asText()).contains("403").contains("Resource not accessible by integration");

        JsonNode branch = failed(Map.of("prompt", "x", "repo", REPO, "baseBranch", "release-9"));
        assertThat(branch.path("failure").path("reason").asText()).isEqualTo("clone_failed");
        assertThat(branch.path("failure").path("phase").asText()).isEqualTo("cloning");
        assertThat(branch.path("failure").path("message").asText()).contains("release-9").contains("Branch not found");
    }

    @Test
    void a_push_refused_by_branch_protection_fails_with_push_rejected() {
        github.protect(REPO, "magnet/*");
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo a > a.txt && git add a.txt && git commit -qm a", "description", "commit")),
                Turn.reply().text("Done.")));
        String id = server.createSession(Map.of("prompt", "Change a", "repo", REPO)).path("id").asText();
        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("push_rejected");
        assertThat(failed.path("failure").path("phase").asText()).isEqualTo("finishing");
        assertThat(failed.path("failure").path("message").asText()).contains("Protected branch");
        assertThat(github.pulls(REPO)).isEmpty();
    }

    @Test
    void an_agent_that_changes_nothing_completes_without_a_push_or_a_pr() {
        model.script(Script.of(Turn.reply().text("Nothing to change.")));
        String id = server.createSession(Map.of("prompt", "Check only", "repo", REPO)).path("id").asText();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(done.path("pr").isNull()).isTrue();
        assertThat(GitFixtures.branches(github.bare(REPO))).containsExactly("main");
        assertThat(github.pulls(REPO)).isEmpty();
    }

    @Test
    void a_follow_up_adds_a_commit_to_the_same_branch_and_updates_the_same_pr() {
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo 1 > one.txt && git add one.txt && git commit -qm First", "description", "c1")),
                Turn.reply().text("First done."),
                Turn.reply().toolUse("Bash", Map.of("command", "echo 2 > two.txt && git add two.txt && git commit -qm Second", "description", "c2")),
                Turn.reply().text("Second done.")));
        String id = server.createSession(Map.of("prompt", "First commit", "repo", REPO)).path("id").asText();
        JsonNode first = server.awaitStatus(id, "completed", TIMEOUT);
        int number = first.path("pr").path("number").asInt();

        assertThat(server.post("/api/sessions/" + id + "/messages", Map.of("text", "Now a second")).status()).isEqualTo(202);
        awaitPrEvents(id, 2);
        JsonNode second = server.awaitStatus(id, "completed", TIMEOUT);

        String branch = second.path("branch").asText();
        assertThat(GitFixtures.git(github.bare(REPO), "log", "--format=%s", branch)).contains("First").contains("Second");
        assertThat(github.pulls(REPO)).hasSize(1);
        assertThat(second.path("pr").path("number").asInt()).isEqualTo(number);
        assertThat(github.pulls(REPO).get(0).path("body").asText()).contains("Second done.").contains("`two.txt`");
        assertThat(prEvents(id)).extracting(e -> e.path("data").path("action").asText()).containsExactly("opened", "updated");
    }

    @Test
    void a_closed_pr_is_not_reopened_and_a_follow_up_with_new_commits_opens_a_new_one_linked_from_the_session() {
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo 1 > one.txt && git add one.txt && git commit -qm First", "description", "c1")),
                Turn.reply().text("First done."),
                Turn.reply().toolUse("Bash", Map.of("command", "echo 2 > two.txt && git add two.txt && git commit -qm Second", "description", "c2")),
                Turn.reply().text("Second done.")));
        String id = server.createSession(Map.of("prompt", "First commit", "repo", REPO)).path("id").asText();
        int number = server.awaitStatus(id, "completed", TIMEOUT).path("pr").path("number").asInt();
        github.setPullState(REPO, number, "closed", false);

        server.post("/api/sessions/" + id + "/messages", Map.of("text", "Now a second"));
        awaitPrEvents(id, 2);
        JsonNode second = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(github.pulls(REPO)).hasSize(2);
        assertThat(github.pulls(REPO).get(0).path("state").asText()).isEqualTo("closed");
        JsonNode fresh = github.pulls(REPO).get(1);
        assertThat(fresh.path("state").asText()).isEqualTo("open");
        assertThat(fresh.path("body").asText()).contains("First done.").contains("Second done.").contains("`two.txt`");
        assertThat(second.path("pr").path("number").asInt()).isEqualTo(fresh.path("number").asInt()).isNotEqualTo(number);
        assertThat(second.path("pr").path("state").asText()).isEqualTo("open");
        assertThat(prEvents(id)).extracting(e -> e.path("data").path("action").asText()).containsExactly("opened", "closed", "opened");
    }

    @Test
    void an_installation_token_expiring_mid_session_is_refreshed_transparently() throws Exception {
        Gate working = Gate.closed();
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo t > t.txt && git add t.txt && git commit -qm T", "description", "c"))
                        .heldBy(working),
                Turn.reply().text("Done.")));
        String id = server.createSession(Map.of("prompt", "Token test", "repo", REPO)).path("id").asText();
        working.awaitReached(TIMEOUT);
        int before = github.issuedTokens().size();
        github.expireAllTokens();
        working.open();

        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(github.issuedTokens().size()).isGreaterThan(before);
        assertThat(GitFixtures.branches(github.bare(REPO))).contains(done.path("branch").asText());
        assertThat(done.path("pr").path("state").asText()).isEqualTo("open");
    }

    @Test
    void a_rate_limited_call_is_retried_after_the_reset_github_announces() {
        model.script(Script.of(Turn.reply().text("Nothing to change.")));
        github.rateLimitNext(2);
        String id = server.createSession(Map.of("prompt", "Check only", "repo", REPO)).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);
    }

    @Test
    void the_polling_fallback_notices_a_pr_merged_on_github() {
        Map<String, String> env = new HashMap<>(github.appEnvironment(WEBHOOK_SECRET));
        env.put("MAGNET_GITHUB_POLL_SECONDS", "1");
        server = magnet.restart(env);
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo p > p.txt && git add p.txt && git commit -qm P", "description", "c")),
                Turn.reply().text("Done.")));
        String id = server.createSession(Map.of("prompt", "Poll", "repo", REPO)).path("id").asText();
        int number = server.awaitStatus(id, "completed", TIMEOUT).path("pr").path("number").asInt();
        github.setPullState(REPO, number, "closed", true);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> server.session(id).path("pr").path("state").asText().equals("merged"));
    }

    private JsonNode failed(Map<String, Object> body) {
        String id = server.createSession(body).path("id").asText();
        return server.awaitStatus(id, "failed", TIMEOUT);
    }

    private List<JsonNode> prEvents(String id) {
        JsonNode page = server.get("/api/sessions/" + id + "/events?limit=1000").json();
        JsonNode events = page.isArray() ? page : page.path("events");
        java.util.ArrayList<JsonNode> out = new java.util.ArrayList<>();
        events.forEach(e -> {
            if ("pr".equals(e.path("type").asText())) {
                out.add(e);
            }
        });
        return out;
    }

    private void awaitPrEvents(String id, int n) {
        org.awaitility.Awaitility.await().atMost(TIMEOUT).until(() -> prEvents(id).size() >= n);
    }

    private TestServer.Response webhook(String body, String delivery, String signature) {
        Map<String, String> headers = new HashMap<>();
        headers.put("X-GitHub-Event", "pull_request");
        headers.put("X-GitHub-Delivery", delivery);
        if (signature != null) {
            headers.put("X-Hub-Signature-256", signature);
        }
        return server.send("POST", "/api/github/webhooks", body, null, headers);
    }

    private static String mergedPayload(int number) {
        return "{\"action\":\"closed\",\"number\":" + number + ",\"pull_request\":{\"number\":" + number
                + ",\"state\":\"closed\",\"merged\":true},\"repository\":{\"full_name\":\"" + REPO + "\"}}";
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
