package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.HostProcesses;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The command-line client against the real server, the real CLI agent and the scripted model. */
class CommandLineClientIT {
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();
    private FakeAnthropic model;
    private TestServer server;

    @BeforeEach
    void start() {
        model = magnet.model();
        server = magnet.server();
    }

    @Test
    void create_with_follow_prints_the_live_stream_and_exits_zero_when_the_session_completes() {
        model.script(Script.of(
                Turn.reply().thinking("Plan: write notes.").toolUse("Write", Map.of("file_path", "notes.md", "content", "# Notes\n")),
                Turn.reply().text("Wrote notes.md for you.")));

        Run run = run("sessions", "create", "--prompt", "Write notes.md", "--follow");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("Write").contains("notes.md").contains("Wrote notes.md for you.");
    }

    @Test
    void list_show_send_and_cancel_work_against_the_server() {
        model.script(Script.of(Turn.reply().text("First answer.")).withFallback(Turn.reply().text("Later answer.")));
        Run created = run("sessions", "create", "--prompt", "Say something");
        assertThat(created.exit()).as(created.err()).isZero();
        String id = created.out().strip();
        server.awaitStatus(id, "completed", Duration.ofSeconds(60));

        Run list = run("sessions", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains(id).contains("Say something");

        Run show = run("sessions", "show", id);
        assertThat(show.exit()).isZero();
        assertThat(show.out()).contains("completed").contains("Say something");

        Run send = run("sessions", "send", id, "One more thing");
        assertThat(send.exit()).as(send.err()).isZero();
        server.awaitStatus(id, "completed", Duration.ofSeconds(60));
        // every message counts: two prompts, the agent's two answers and the two turns' results
        assertThat(server.session(id).path("messageCount").asInt()).isEqualTo(6);

        Run cancelDone = run("sessions", "cancel", id);
        assertThat(cancelDone.exit()).isEqualTo(2);
        assertThat(cancelDone.err()).contains("already completed");
    }

    @Test
    void a_wrong_key_is_reported_with_what_to_set() {
        Run run = runWith(Map.of("MAGNET_URL", server.baseUrl(), "MAGNET_API_KEY", "mgt_wrong"), "sessions", "list");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("MAGNET_API_KEY");
    }

    @Test
    void cancel_stops_a_running_session_and_it_fails_cancelled() {
        String marker = "cli-cancel-marker-" + System.nanoTime();
        model.script(Script.of(Turn.reply().toolUse("Bash", Map.of(
                "command", "python3 -c 'import time; time.sleep(600)' " + marker, "description", "a long job",
                "timeout", 600000))));
        String id = run("sessions", "create", "--prompt", "Run the long job").out().strip();
        Awaitility.await().atMost(Duration.ofSeconds(120))
                .until(() -> !HostProcesses.mentioning(marker).isEmpty());

        Run cancel = run("sessions", "cancel", id);

        assertThat(cancel.exit()).as(cancel.err()).isZero();
        JsonNode failed = server.awaitStatus(id, "failed", Duration.ofSeconds(120));
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("cancelled");
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> HostProcesses.mentioning(marker).isEmpty());
        assertThat(run("sessions", "show", id).out()).contains("cancelled");
    }

    private Run run(String... args) {
        return runWith(Map.of("MAGNET_URL", server.baseUrl(), "MAGNET_API_KEY", TestServer.API_KEY), args);
    }

    private static Run runWith(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment cli = new CliEnvironment(env, new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]), false, Clock.systemUTC());
        int exit = new CommandLine(new Root()).addSubcommand(new SessionsCommand(cli)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @CommandLine.Command(name = "magnet", mixinStandardHelpOptions = true)
    static final class Root implements Runnable {
        @Override
        public void run() {
        }
    }

    record Run(int exit, String out, String err) {
    }
}
