package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code sessions send ID TEXT…}: a follow-up message for the agent; {@code -} reads it from stdin. */
@Command(name = "send", description = "Send a follow-up message to a session.")
final class SendCommand implements Callable<Integer> {

    @ParentCommand
    private SessionsCommand sessions;

    @Parameters(index = "0", paramLabel = "ID", description = "the session's id")
    private String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TEXT", description = "the message (words are joined); - reads stdin")
    private List<String> words;

    @Override
    public Integer call() {
        return sessions.run(client -> {
            String text = words.equals(List.of("-"))
                    ? PromptSource.of("-", null).read(sessions.env().in())
                    : String.join(" ", words);
            if (text.isBlank()) {
                throw new CliException.Usage("the message is empty");
            }
            JsonNode answer = client.sendMessage(id, text);
            if (sessions.json()) {
                sessions.printJson(answer);
            } else {
                sessions.env().out().println("message sent to " + id);
            }
            return ExitCodes.OK;
        });
    }
}
