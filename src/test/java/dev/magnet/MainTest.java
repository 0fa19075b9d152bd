package dev.magnet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The jar's command tree: shell completion is generated from it, so it knows every command and option. */
class MainTest {

    @Test
    void the_completion_script_completes_every_command_the_sessions_subcommands_and_their_output_option() {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));

        assertThat(cli.execute("generate-completion")).isZero();

        String script = out.toString();
        assertThat(script).contains("complete -F").contains("magnet");
        assertThat(script).contains("serve").contains("doctor").contains("sessions");
        for (String sub : new String[] {"create", "list", "show", "follow", "send", "interrupt", "cancel", "retry", "diff"}) {
            assertThat(script).as(sub).contains(sub);
        }
        assertThat(script).contains("--output").contains("--stat").contains("(\"text\" \"json\")");
    }

    @Test
    void every_command_takes_output_json() {
        CommandLine cli = Main.commandLine();
        for (String command : new String[] {"serve", "doctor"}) {
            assertThat(cli.getSubcommands().get(command).getCommandSpec().findOption("--output")).as(command).isNotNull();
        }
        cli.getSubcommands().get("sessions").getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                assertThat(sub.getCommandSpec().findOption("--output")).as("sessions " + name).isNotNull();
            }
        });
    }
}
