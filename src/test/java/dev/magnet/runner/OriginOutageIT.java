package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.CuttableProxy;
import dev.magnet.testing.EventChecks;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.FakeGitHub;
import dev.magnet.testing.Gate;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.Script;
import dev.magnet.testing.SessionAnswers;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The origin cannot be reached when the session branch is pushed: GitHub (the fake, behind a proxy) goes down while
 * it holds the push, or a local origin is gone. The session must fail {@code push_rejected} with a message that says
 * the origin could not be reached and to retry; nothing reaches the origin; and a retry once the origin is back
 * pushes its branch once (and, on GitHub, opens one pull request).
 */
class OriginOutageIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String WEBHOOK_SECRET = "webhook-secret-for-origin-outage-tests";

    @TempDir
    Path dir;
    private FakeAnthropic model;
    private final List<Gate> gates = new ArrayList<>();

    @BeforeEach
    void startModel() {
        model = FakeAnthropic.start();
    }

    @AfterEach
    void stopModel() {
        gates.forEach(Gate::open);
        model.close();
    }

    @Test
    void a_push_cut_off_by_github_going_down_fails_push_rejected_and_a_retry_once_it_is_back_pushes_once() throws Exception {
        String repo = "acme/outage";
        try (FakeGitHub github = FakeGitHub.start(dir.resolve("github"));
             CuttableProxy front = CuttableProxy.to(github.port())) {
            github.servedAt(front.baseUrl());
            Path bare = github.addRepo(repo);
            // why: never opened: GitHub goes down with the push in hand and never acts on it
            Gate push = Gate.closed();
            String receivePack = "/" + repo + ".git/git-receive-pack";
            github.hold("POST", receivePack, push);
            model.script(Script.of(commit("outage.txt"), Turn.reply().text("Added outage.txt.")));

            try (ChildServer server = ChildServer.start(dir.resolve("data"), model, dir.resolve("server.log"),
                    github.appEnvironment(WEBHOOK_SECRET))) {
                String id = server.createSession(Map.of("prompt", "Add outage.txt", "repo", repo)).path("id").asText();
                push.awaitReached(TIMEOUT);
                front.down();
                github.unhold("POST", receivePack);

                JsonNode failed = server.awaitEnd(id, TIMEOUT);
                String message = failed.path("failure").path("message").asText();
                assertThat(failed.path("status").asText()).as("%s ended %s", id, failed).isEqualTo("failed");
                assertThat(failed.path("failure").path("reason").asText()).as(message).isEqualTo("push_rejected");
                assertThat(failed.path("failure").path("phase").asText()).isEqualTo("finishing");
                assertThat(message).contains(failed.path("branch").asText()).contains("could not reach").contains("retry");
                EventChecks.assertWhole(id, server.events(id));
                assertThat(GitFixtures.branches(bare)).as("nothing reached GitHub").containsExactly("main");
                assertThat(github.pulls(repo)).isEmpty();

                front.up();
                model.script(Script.of(commit("outage.txt"), Turn.reply().text("Added outage.txt.")));
                JsonNode retried = retry(server, id);
                assertThat(retried.path("status").asText()).as("the retry ended %s", retried).isEqualTo("completed");
                List<JsonNode> events = server.events(retried.path("id").asText());
                EventChecks.assertWhole(retried.path("id").asText(), events);
                String branch = retried.path("branch").asText();
                assertThat(pushes(events)).as("pushes of the retry").containsExactly("pushed " + branch + " to the origin (created)");
                assertThat(GitFixtures.branches(bare)).containsExactlyInAnyOrder("main", branch);
                assertThat(GitFixtures.git(bare, "show", branch + ":outage.txt")).isEqualTo("outage\n");
                assertThat(github.pulls(repo)).as("pull requests").hasSize(1);
                assertThat(EventChecks.values(events, "pr", "action")).containsExactly("opened");
                System.out.printf("GitHub down at the push: %s failed push_rejected: %s; retry %s completed, pushed once%n",
                        id, message, retried.path("id").asText());
            }
        }
    }

    @Test
    void a_local_origin_gone_when_the_branch_is_pushed_fails_push_rejected_and_a_retry_once_it_is_back_pushes_once()
            throws Exception {
        Path origin = GitFixtures.bareOrigin(dir, 2);
        Path away = dir.resolve("origin-away.git");
        Gate lastAnswer = gate();
        model.script(Script.of(commit("gone.txt"), Turn.reply().text("Added gone.txt.").heldBy(lastAnswer)));

        try (ChildServer server = ChildServer.start(dir.resolve("data"), model, dir.resolve("server.log"), Map.of())) {
            String id = server.createSession(Map.of("prompt", "Add gone.txt", "repo", origin.toString())).path("id").asText();
            lastAnswer.awaitReached(TIMEOUT);
            Files.move(origin, away);
            lastAnswer.open();

            JsonNode failed = server.awaitEnd(id, TIMEOUT);
            String message = failed.path("failure").path("message").asText();
            assertThat(failed.path("status").asText()).as("%s ended %s", id, failed).isEqualTo("failed");
            assertThat(failed.path("failure").path("reason").asText()).as(message).isEqualTo("push_rejected");
            assertThat(message).contains(failed.path("branch").asText()).contains("does not exist").contains("retry");
            EventChecks.assertWhole(id, server.events(id));

            Files.move(away, origin);
            model.script(Script.of(commit("gone.txt"), Turn.reply().text("Added gone.txt.")));
            JsonNode retried = retry(server, id);
            assertThat(retried.path("status").asText()).as("the retry ended %s", retried).isEqualTo("completed");
            List<JsonNode> events = server.events(retried.path("id").asText());
            String branch = retried.path("branch").asText();
            assertThat(pushes(events)).containsExactly("pushed " + branch + " to the origin (created)");
            assertThat(GitFixtures.branches(origin)).containsExactlyInAnyOrder("main", branch);
            assertThat(GitFixtures.git(origin, "show", branch + ":gone.txt")).isEqualTo("gone\n");
            System.out.printf("local origin gone at the push: %s failed push_rejected: %s; retry %s completed, pushed once%n",
                    id, message, retried.path("id").asText());
        }
    }

    /** Retries the failed session and waits for the new one to end. */
    private static JsonNode retry(ChildServer server, String failedId) {
        JsonNode created = SessionAnswers.session(server.post("/api/sessions/" + failedId + "/retry", Map.of()));
        assertThat(created.path("retryOf").asText()).isEqualTo(failedId);
        return server.awaitEnd(created.path("id").asText(), TIMEOUT);
    }

    /** The reasons of the status events that report a push. */
    private static List<String> pushes(List<JsonNode> events) {
        return EventChecks.statusReasons(events).stream().filter(r -> r.startsWith("pushed ")).toList();
    }

    private static Turn commit(String file) {
        String name = file.substring(0, file.indexOf('.'));
        return Turn.reply().toolUse("Bash", Map.of("description", "commit " + file, "command",
                "echo " + name + " > " + file + " && git add " + file + " && git commit -qm 'Add " + file + "'"));
    }

    private Gate gate() {
        Gate g = Gate.closed();
        gates.add(g);
        return g;
    }
}
