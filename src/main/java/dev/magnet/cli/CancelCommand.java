package dev.magnet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code sessions cancel ID}: tears the sandbox down; the session fails with reason {@code cancelled}. */
@Command(name = "cancel", description = "Cancel a session (it fails with reason cancelled).")
final class CancelCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @Parameters(index = "0", paramLabel = "ID", description = "the session's id")
    private String id;

    @Override
    public Integer call() {
        return sessions.request("cancel", id, MagnetClient::cancel);
    }
}
