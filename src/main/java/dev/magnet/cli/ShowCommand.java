package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code sessions show ID}: one session's status, failure, repository, cost, PR and phase timeline. */
@Command(name = "show", description = "Show one session.")
final class ShowCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @Parameters(index = "0", paramLabel = "ID", description = "the session's id")
    private String id;

    @Option(names = "--json", hidden = true, description = "the same as --output json")
    private boolean json;

    @Override
    public Integer call() {
        return sessions.run(client -> {
            JsonNode session = client.getSession(id);
            if (json || sessions.json()) {
                sessions.env().out().println(ClientJson.pretty(session));
            } else {
                sessions.sessionPrinter().summary(ClientJson.convert(session, SessionAnswer.class)).forEach(sessions.env().out()::println);
            }
            return ExitCodes.OK;
        });
    }
}
