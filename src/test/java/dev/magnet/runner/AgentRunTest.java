package dev.magnet.runner;

import dev.magnet.gateway.Spending;
import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.gateway.ModelRelay;
import dev.magnet.session.Author;
import dev.magnet.session.SessionMessage;
import dev.magnet.testing.SessionBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One agent process generation, against a scripted fake of the CLI in a fake sandbox. */
class AgentRunTest {
    private static final AgentRun.Settings SETTINGS = new AgentRun.Settings(1, 64 * 1024);
    private static final Author ADA = new Author("u-ada", "Ada", "ada@example.com");

    @TempDir
    Path dir;
    private final ModelRelay relay = ModelRelay.start("sk-" + "test-not-real", "http://127.0.0.1:9", 1 << 20, Spending.UNLIMITED);
    private final BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();

    @AfterEach
    void close() {
        relay.close();
    }

    @Test
    void each_queued_message_is_written_once_and_the_turns_are_done_only_when_all_written_were_taken() {
        FakeSandbox sandbox = new FakeSandbox(dir);
        AgentRun run = AgentRun.start(SessionBuilder.aSession().build(), sandbox, relay, SETTINGS, AgentRun.Environment.NONE, 1, signals::add);
        List<SessionMessage> queued = List.of(message("m1", "First"), message("m2", "Second"));

        assertThat(run.deliver(queued)).isEqualTo(2);
        assertThat(run.deliver(queued)).isZero();
        assertThat(sandbox.agents.getFirst().toldLines()).hasSize(2).allSatisfy(l -> assertThat(l).contains("\"type\":\"user\""))
                .anySatisfy(l -> assertThat(l).contains("\"uuid\":\"m1\"").contains("First"));
        assertThat(run.tookEverythingWritten()).isFalse();

        run.tookAll(List.of("m1"));
        assertThat(run.took("m1")).isTrue();
        assertThat(run.tookEverythingWritten()).isFalse();
        run.tookAll(List.of("m2"));
        assertThat(run.tookEverythingWritten()).isTrue();
    }

    @Test
    void lines_and_the_exit_reach_the_workflow_tagged_with_the_generation() throws Exception {
        FakeSandbox sandbox = new FakeSandbox(dir);
        AgentRun run = AgentRun.start(SessionBuilder.aSession().build(), sandbox, relay, SETTINGS, AgentRun.Environment.NONE, 3, signals::add);
        FakeSandbox.FakeProcess cli = sandbox.agents.getFirst();

        cli.say("{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"abc\"}");
        cli.exit(2);

        Signal first = signals.poll(5, TimeUnit.SECONDS);
        assertThat(first).isInstanceOfSatisfying(Signal.Line.class, l -> {
            assertThat(l.generation()).isEqualTo(3);
            assertThat(l.json().path("subtype").asText()).isEqualTo("init");
        });
        assertThat(signals.poll(5, TimeUnit.SECONDS)).isEqualTo(new Signal.Exited(3, 2));
        assertThat(run.generation()).isEqualTo(3);
    }

    @Test
    void a_new_conversation_starts_with_its_session_id_and_a_started_one_resumes() {
        FakeSandbox sandbox = new FakeSandbox(dir);
        var fresh = SessionBuilder.aSession().build();
        AgentRun.start(fresh, sandbox, relay, SETTINGS, AgentRun.Environment.NONE, 1, signals::add);
        AgentRun.start(fresh.withAgentStarted(Instant.now()), sandbox, relay, SETTINGS, AgentRun.Environment.NONE, 2, signals::add);

        assertThat(sandbox.agentCommands.get(0)).containsSequence("--session-id", fresh.agentSessionId());
        assertThat(sandbox.agentCommands.get(1)).containsSequence("--resume", fresh.agentSessionId());
    }

    @Test
    void stopping_closes_the_agents_input_and_its_relay_token_stops_working() throws Exception {
        FakeSandbox sandbox = new FakeSandbox(dir);
        var session = SessionBuilder.aSession().build();
        AgentRun run = AgentRun.start(session, sandbox, relay, SETTINGS, AgentRun.Environment.NONE, 1, signals::add);
        String token = sandbox.agentEnvironments.getFirst().get("ANTHROPIC_API_KEY");
        assertThat(relayStatus(token)).as("the token works while the agent runs").isNotEqualTo(401);

        run.stop(Duration.ofSeconds(5));

        assertThat(sandbox.agents.getFirst().inputClosed()).isTrue();
        assertThat(run.isAlive()).isFalse();
        assertThat(relayStatus(token)).isEqualTo(401);
    }

    private int relayStatus(String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(relay.baseUrl() + "/v1/messages"))
                .header("x-api-key", token).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    private static SessionMessage message(String id, String text) {
        return new SessionMessage(id, "s", ADA, text, SessionMessage.State.QUEUED, Instant.now());
    }
}
