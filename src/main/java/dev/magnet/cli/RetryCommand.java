package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sessions retry ID}: a new session with the same inputs (optionally another prompt),
 * linked to the old one. Prints the new id on stdout, like {@code create}.
 */
@Command(name = "retry", description = "Retry a session as a new one, optionally with an edited prompt.")
final class RetryCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @Parameters(index = "0", paramLabel = "ID", description = "the session to retry")
    private String id;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    private PromptSource prompt;

    @Option(names = "--follow", description = "then stream the new session's events until it ends")
    private boolean follow;

    @Override
    public Integer call() {
        return sessions.run(client -> {
            CliEnvironment env = sessions.env();
            String text = prompt == null ? null : prompt.read(env.in());
            JsonNode answer = client.retry(id, text);
            SessionAnswer session = ClientJson.convert(answer, SessionAnswer.class);
            if (sessions.json()) {
                env.out().println(ClientJson.write(answer));
                env.out().flush();
                return follow ? sessions.follower(client).follow(session.id(), null) : ExitCodes.OK;
            }
            env.out().println(session.id());
            env.out().flush();
            env.err().println("retry of " + id + ": " + sessions.sessionPrinter().headline(session));
            env.err().flush();
            return follow ? sessions.follower(client).follow(session.id(), null) : ExitCodes.OK;
        });
    }
}
