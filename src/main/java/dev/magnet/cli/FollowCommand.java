package dev.magnet.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sessions follow ID}: prints the session's events as they happen until it ends; exits 0
 * when it completed and 1 when it failed.
 */
@Command(name = "follow", description = "Stream a session's events until it ends (exit 0 completed, 1 failed).")
final class FollowCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @Parameters(index = "0", paramLabel = "ID", description = "the session's id")
    private String id;

    @Option(names = "--after", paramLabel = "N", description = "start after event number N (default: from the start)")
    private Long after;

    @Override
    public Integer call() {
        return sessions.run(client -> sessions.follower(client).follow(id, after));
    }
}
