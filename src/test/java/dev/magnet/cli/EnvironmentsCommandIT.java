package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code magnet environments …} and {@code sessions create --env} against the real server. */
class EnvironmentsCommandIT {
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    @Test
    void create_show_edit_list_and_delete_an_environment_and_start_a_session_in_it() throws Exception {
        TestServer server = magnet.server();
        Run created = run("environments", "create", "--name", "CLI env", "--setup-script", "echo from the cli",
                "--env", "MODE=test", "--secret", "TOKEN=cli-secret-value", "--agent-network", "pypi.org,files.pythonhosted.org",
                "--cache", "files:requirements.txt", "--output", "json");
        assertThat(created.exit()).as(created.err()).isZero();
        JsonNode env = ClientJson.parse(created.out());
        String id = env.path("id").asText();
        assertThat(env.path("network").path("agent").path("allow")).hasSize(2);
        assertThat(created.out()).doesNotContain("cli-secret-value");

        Run shown = run("environments", "show", id);
        assertThat(shown.exit()).isZero();
        assertThat(shown.out()).contains("CLI env").contains("secrets").contains("TOKEN").contains("only pypi.org")
                .contains("│ echo from the cli").doesNotContain("cli-secret-value");

        assertThat(shown.out()).contains("check follow-ups").contains("server default");

        Run edited = run("environments", "edit", id, "--default", "true", "--remove-secret", "TOKEN", "--check-follow-ups", "2");
        assertThat(edited.exit()).as(edited.err()).isZero();
        assertThat(edited.out()).contains("(default)").doesNotContain("TOKEN").contains("2 per pull request");
        assertThat(server.get("/api/environments/" + id).json().path("checkFollowUps").asInt()).isEqualTo(2);
        assertThat(run("environments", "list").out()).contains(id).contains("CLI env").contains("(default)");

        Run bad = run("environments", "edit", id, "--agent-network", "http://not a host/");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("network");

        magnet.model().script(Script.of(Turn.reply().text("Done in the environment.")));
        Run session = run("sessions", "create", "--prompt", "Hello", "--env", id);
        assertThat(session.exit()).as(session.err()).isZero();
        String sessionId = session.out().strip();
        assertThat(server.session(sessionId).path("environmentId").asText()).isEqualTo(id);
        server.awaitStatus(sessionId, "completed", Duration.ofSeconds(120));

        Run deleted = run("environments", "delete", id);
        assertThat(deleted.exit()).as(deleted.err()).isZero();
        assertThat(run("environments", "show", id).exit()).isEqualTo(ExitCodes.USAGE);
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment cli = new CliEnvironment(Map.of("MAGNET_URL", magnet.server().baseUrl(), "MAGNET_API_KEY",
                TestServer.API_KEY), new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]), false, Clock.systemUTC());
        int exit = new CommandLine(new CommandLineClientIT.Root()).addSubcommand(new SessionsCommand(cli))
                .addSubcommand(new EnvironmentsCommand(cli)).execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    record Run(int exit, String out, String err) {
    }
}
