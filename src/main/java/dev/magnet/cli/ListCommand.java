package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code sessions list}: the newest sessions as a table, then the week's figures. */
@Command(name = "list", description = "List sessions, newest first.")
final class ListCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @Option(names = "--status", paramLabel = "STATUS", description = "active, completed or failed")
    private String status;

    @Option(names = "--repo", paramLabel = "REPO", description = "only sessions on this repository")
    private String repo;

    @Option(names = "--author", paramLabel = "AUTHOR", description = "only sessions of this author")
    private String author;

    @Option(names = "--q", paramLabel = "TEXT", description = "only sessions whose title or prompt contains TEXT")
    private String text;

    @Option(names = "--limit", paramLabel = "N", description = "at most N sessions")
    private Integer limit;

    @Option(names = "--cursor", paramLabel = "CURSOR", description = "the page after the one that printed this cursor")
    private String cursor;

    @Option(names = "--json", hidden = true, description = "the same as --output json")
    private boolean json;

    @Override
    public Integer call() {
        return sessions.run(client -> {
            JsonNode page = client.listSessions(new ListOptions(status, repo, author, text, limit, cursor));
            if (json || sessions.json()) {
                sessions.env().out().println(ClientJson.pretty(page));
            } else {
                sessions.sessionPrinter().table(ClientJson.convert(page, SessionList.class)).forEach(sessions.env().out()::println);
            }
            return ExitCodes.OK;
        });
    }
}
