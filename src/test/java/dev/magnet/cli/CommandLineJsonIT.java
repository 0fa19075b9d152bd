package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code --output json} on every client command, and {@code sessions diff}, against the real server. */
class CommandLineJsonIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    @Test
    void every_command_prints_json_and_a_followed_session_prints_one_event_a_line() throws Exception {
        Path origin = GitFixtures.bareOrigin(magnet.dir(), 1);
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Write", Map.of("file_path", "notes.md", "content", "# Notes\nfirst\n")),
                Turn.reply().text("Wrote notes.md.")).withFallback(Turn.reply().text("Later answer.")));

        Run created = run("sessions", "create", "--prompt", "Write notes.md", "--repo", origin.toString(), "--follow",
                "--output", "json");
        assertThat(created.exit()).as(created.err()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : created.out().strip().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        String id = lines.get(0).path("id").asText();
        assertThat(lines.get(0).path("prompt").asText()).isEqualTo("Write notes.md");
        assertThat(lines.subList(1, lines.size() - 1)).allSatisfy(e -> assertThat(e.path("seq").asLong()).isPositive())
                .anySatisfy(e -> assertThat(e.path("type").asText()).isEqualTo("tool_use"));
        assertThat(lines.get(lines.size() - 1).path("end").path("status").asText()).isEqualTo("completed");

        JsonNode list = JSON.readTree(run("-o", "json", "sessions", "list").out());
        assertThat(list.path("sessions").get(0).path("id").asText()).isEqualTo(id);
        assertThat(JSON.readTree(run("sessions", "show", id, "--output=json").out()).path("status").asText())
                .isEqualTo("completed");

        JsonNode diff = JSON.readTree(run("sessions", "diff", id, "--output", "json").out());
        assertThat(diff.path("files").get(0).path("path").asText()).isEqualTo("notes.md");
        assertThat(diff.path("diff").asText()).contains("+first");
        assertThat(run("sessions", "diff", id).out()).startsWith("diff --git a/notes.md b/notes.md").contains("+# Notes");
        assertThat(run("sessions", "diff", id, "--stat").out()).contains("A  notes.md  +2 -0").contains("1 file changed, +2 -0");

        Run sent = run("sessions", "send", id, "More", "--output", "json");
        assertThat(sent.exit()).as(sent.err()).isZero();
        assertThat(JSON.readTree(sent.out()).isObject()).as(sent.out()).isTrue();
        magnet.server().awaitStatus(id, "completed", Duration.ofSeconds(60));
        Run retried = run("sessions", "retry", id, "--output", "json");
        String retryId = JSON.readTree(retried.out()).path("id").asText();
        assertThat(retryId).isNotEqualTo(id);
        Run cancelled = run("sessions", "cancel", retryId, "--output", "json");
        if (cancelled.exit() == 0) {
            assertThat(JSON.readTree(cancelled.out()).path("requested").asText()).isEqualTo("cancel");
        }

        Run refused = run("sessions", "show", "no-such-session", "--output", "json");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.out()).isEmpty();
        JsonNode error = JSON.readTree(refused.err());
        assertThat(error.path("exitCode").asInt()).isEqualTo(2);
        assertThat(error.path("error").asText()).isNotBlank();

        Run wrong = run("sessions", "list", "--output", "yaml");
        assertThat(wrong.exit()).isEqualTo(2);
        assertThat(wrong.err()).contains("--output must be text or json");
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment cli = new CliEnvironment(Map.of("MAGNET_URL", magnet.server().baseUrl(), "MAGNET_API_KEY", TestServer.API_KEY),
                new PrintWriter(out, true), new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]), false,
                Clock.systemUTC());
        String[] all = args;
        if (args[0].equals("-o")) {
            // why: the launcher's own options come before "sessions"; --output belongs to sessions and its subcommands
            all = new String[args.length];
            all[0] = args[2];
            all[1] = args[0];
            all[2] = args[1];
            System.arraycopy(args, 3, all, 3, args.length - 3);
        }
        int exit = new CommandLine(new CommandLineClientIT.Root()).addSubcommand(new SessionsCommand(cli)).execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    record Run(int exit, String out, String err) {
    }
}
