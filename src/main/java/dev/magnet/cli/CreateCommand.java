package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sessions create}: starts a session and prints its id on stdout (its title and status go
 * to stderr, so {@code ID=$(magnet sessions create …)} works); with {@code --follow} then streams it.
 */
@Command(name = "create", description = "Start a session: Claude Code works on the prompt in a sandbox.")
final class CreateCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private PromptSource prompt;

    @Option(names = "--repo", paramLabel = "REPO", description = "owner/name, a GitHub URL, or a git URL the server can reach")
    private String repo;

    @Option(names = "--base", paramLabel = "BRANCH", description = "the branch to start from and open the PR against")
    private String baseBranch;

    @Option(names = "--model", paramLabel = "MODEL", description = "the Claude model id or alias")
    private String model;

    @Option(names = "--title", paramLabel = "TITLE", description = "the title (default: the prompt's first line)")
    private String title;

    @Option(names = "--env", paramLabel = "ENVIRONMENT", description = "the environment's id (default: the workspace's default environment)")
    private String environment;

    @Option(names = "--follow", description = "then stream the session's events until it ends")
    private boolean follow;

    @Override
    public Integer call() {
        return sessions.run(client -> {
            CliEnvironment env = sessions.env();
            String text = prompt.read(env.in());
            JsonNode answer = client.createSession(new CreateSessionRequest(text, repo, baseBranch, model, title, environment));
            SessionAnswer session = ClientJson.convert(answer, SessionAnswer.class);
            if (sessions.json()) {
                env.out().println(ClientJson.write(answer));
                env.out().flush();
                return follow ? sessions.follower(client).follow(session.id(), null) : ExitCodes.OK;
            }
            env.out().println(session.id());
            env.out().flush();
            env.err().println(sessions.sessionPrinter().headline(session));
            env.err().flush();
            return follow ? sessions.follower(client).follow(session.id(), null) : ExitCodes.OK;
        });
    }
}
