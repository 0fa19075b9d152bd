package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class SessionsCommandTest {

    /** Stands in for the launcher's top-level command. */
    @Command(name = "magnet")
    static final class Launcher {
    }

    private static int run(TestConsole console, String... args) {
        CommandLine launcher = new CommandLine(new Launcher()).addSubcommand(new SessionsCommand(console.env()));
        launcher.setErr(console.env().err());
        launcher.setOut(console.env().out());
        return launcher.execute(args);
    }

    /** A loopback port nobody listens on. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void without_an_api_key_the_error_names_magnet_api_key() {
        TestConsole console = TestConsole.withVariables(Map.of());

        int exit = run(console, "sessions", "list");

        assertThat(exit).isEqualTo(2);
        assertThat(console.err()).startsWith("error: no API key: set MAGNET_API_KEY")
                .contains("http://localhost:7070").contains("--api-key");
    }

    @Test
    void an_unreachable_server_exits_with_3_and_says_which_url_and_that_magnet_url_sets_it() throws IOException {
        String url = "http://127.0.0.1:" + closedPort();
        TestConsole console = TestConsole.withApiKey(url);

        int exit = run(console, "sessions", "show", "s1");

        assertThat(exit).isEqualTo(3);
        assertThat(console.err()).startsWith("error: could not reach the Magnet server at " + url)
                .contains("MAGNET_URL");
    }

    @Test
    void url_and_api_key_options_may_follow_the_subcommand_and_win_over_the_environment() throws IOException {
        String url = "http://127.0.0.1:" + closedPort();
        TestConsole console = TestConsole.withVariables(Map.of("MAGNET_URL", "http://elsewhere.invalid"));

        int exit = run(console, "sessions", "list", "--url", url, "--api-key", "k");

        assertThat(exit).isEqualTo(3);
        assertThat(console.err()).contains("at " + url + " ");
    }

    @Test
    void a_url_that_is_not_http_is_refused_before_anything_is_sent() {
        TestConsole console = TestConsole.withVariables(Map.of("MAGNET_URL", "localhost:7070", "MAGNET_API_KEY", "k"));

        int exit = run(console, "sessions", "list");

        assertThat(exit).isEqualTo(2);
        assertThat(console.err()).startsWith("error: MAGNET_URL (or --url) must be an http:// or https:// URL");
    }

    @Test
    void a_problem_answer_is_printed_as_title_detail_and_field_and_exits_with_2() {
        TestConsole console = TestConsole.withApiKey("http://localhost:7070");
        SessionsCommand sessions = new SessionsCommand(console.env());

        int exit = sessions.run(client -> {
            throw new CliException.ServerAnswer(ErrorAnswer.fromAnswer(422, """
                    {"title":"Invalid session","status":422,"detail":"repo must be owner/name or a git URL","field":"repo"}"""));
        });

        assertThat(exit).isEqualTo(2);
        assertThat(console.err()).isEqualTo(
                "error: Invalid session: repo must be owner/name or a git URL (field: repo)" + System.lineSeparator());
        assertThat(console.out()).isEmpty();
    }

    @Test
    void create_needs_a_prompt() {
        TestConsole console = TestConsole.withApiKey("http://localhost:7070");

        int exit = run(console, "sessions", "create", "--repo", "o/r");

        assertThat(exit).isEqualTo(2);
        assertThat(console.err()).contains("--prompt");
    }

    @Test
    void create_takes_either_a_prompt_or_a_prompt_file_but_not_both() {
        TestConsole console = TestConsole.withApiKey("http://localhost:7070");

        int exit = run(console, "sessions", "create", "--prompt", "a", "--prompt-file", "b.txt");

        assertThat(exit).isEqualTo(2);
        assertThat(console.err()).contains("mutually exclusive");
    }

    @Test
    void a_missing_prompt_file_is_reported_before_anything_is_sent() {
        TestConsole console = TestConsole.withApiKey("http://localhost:7070");

        int exit = run(console, "sessions", "create", "--prompt-file", "/no/such/prompt.txt");

        assertThat(exit).isEqualTo(2);
        assertThat(console.err()).startsWith("error: no prompt file /no/such/prompt.txt");
    }

    @Test
    void sessions_without_a_subcommand_prints_its_usage() {
        TestConsole console = TestConsole.withApiKey("http://localhost:7070");

        int exit = run(console, "sessions");

        assertThat(exit).isEqualTo(2);
        assertThat(console.err()).contains("create", "list", "show", "follow", "send", "interrupt", "cancel", "retry");
    }

    @Test
    void every_subcommand_has_help() {
        TestConsole console = TestConsole.withApiKey("http://localhost:7070");

        int exit = run(console, "sessions", "follow", "--help");

        assertThat(exit).isZero();
        assertThat(console.out()).contains("--after", "--url", "--api-key");
    }
}
