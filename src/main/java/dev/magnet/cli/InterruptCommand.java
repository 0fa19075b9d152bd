package dev.magnet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code sessions interrupt ID}: the agent stops its current turn and waits for a message. */
@Command(name = "interrupt", description = "Interrupt the agent's current turn; it then waits for a message.")
final class InterruptCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @Parameters(index = "0", paramLabel = "ID", description = "the session's id")
    private String id;

    @Override
    public Integer call() {
        return sessions.request("interrupt", id, MagnetClient::interrupt);
    }
}
