package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sessions diff ID}: what the session changed on its branch against its base, as a unified diff (ready for
 * {@code git apply} or a pager); {@code --stat} lists the changed files with their added and removed lines instead.
 */
@Command(name = "diff", description = "Print a session's changes against its base branch (a unified diff).")
final class DiffCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @Parameters(index = "0", paramLabel = "ID", description = "the session's id")
    private String id;

    @Option(names = "--stat", description = "only the changed files, with lines added and removed")
    private boolean stat;

    @Override
    public Integer call() {
        return sessions.run(client -> {
            if (sessions.json()) {
                sessions.printJson(client.diff(id));
            } else if (stat) {
                stat(client.diff(id)).forEach(sessions.env().out()::println);
            } else {
                sessions.env().out().print(client.diffText(id));
            }
            return ExitCodes.OK;
        });
    }

    /** One line a changed file ({@code M  src/App.java  +3 -1}), then the totals. */
    static java.util.List<String> stat(JsonNode diff) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        long added = 0;
        long removed = 0;
        for (JsonNode file : diff.path("files")) {
            String change = file.path("status").asText("modified");
            String path = file.path("path").asText();
            if (file.hasNonNull("oldPath")) {
                path = file.path("oldPath").asText() + " -> " + path;
            }
            String counts = file.path("binary").asBoolean() ? "binary"
                    : "+" + file.path("additions").asLong() + " -" + file.path("deletions").asLong();
            added += file.path("additions").asLong();
            removed += file.path("deletions").asLong();
            lines.add(change.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + "  " + path + "  " + counts);
        }
        lines.add(lines.size() + (lines.size() == 1 ? " file" : " files") + " changed, +" + added + " -" + removed);
        return lines;
    }
}
