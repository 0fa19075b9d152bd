package dev.magnet.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where a prompt comes from: {@code --prompt TEXT} or {@code --prompt-file FILE}, one of them;
 * {@code -} as either value reads standard input. Used as an exclusive argument group.
 */
final class PromptSource {

    @Option(names = "--prompt", paramLabel = "TEXT", description = "the task for the agent; - reads it from stdin")
    String text;

    @Option(names = "--prompt-file", paramLabel = "FILE", description = "read the prompt from FILE; - reads stdin")
    String file;

    static PromptSource of(String text, String file) {
        PromptSource source = new PromptSource();
        source.text = text;
        source.file = file;
        return source;
    }

    /**
     * The prompt text, trimmed of surrounding blank lines.
     *
     * @throws CliException.Usage when the file cannot be read or the prompt is empty
     */
    String read(InputStream stdin) {
        String prompt;
        if (text != null && !text.equals("-")) {
            prompt = text;
        } else if ("-".equals(text) || "-".equals(file)) {
            prompt = readStdin(stdin);
        } else if (file != null) {
            prompt = readFile(Path.of(file));
        } else {
            throw new CliException.Usage("give the prompt with --prompt TEXT or --prompt-file FILE (- reads stdin)");
        }
        if (prompt.isBlank()) {
            throw new CliException.Usage("the prompt is empty");
        }
        return prompt.strip();
    }

    private static String readStdin(InputStream stdin) {
        try {
            return new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CliException.Usage("cannot read the prompt from stdin: " + e.getMessage());
        }
    }

    private static String readFile(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException.Usage("no prompt file " + path);
        } catch (IOException e) {
            throw new CliException.Usage("cannot read the prompt file " + path + ": " + MagnetClient.describe(e));
        }
    }
}
