package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * What every command-line client command group shares ({@code sessions}, {@code environments}): the server's URL
 * ({@code --url}, else {@code MAGNET_URL}, else {@code http://localhost:7070}), the API key ({@code --api-key}, else
 * {@code MAGNET_API_KEY}), {@code --output text|json}, and running a subcommand's action with a client, turning a
 * {@link CliException} into its {@code error: …} line (or JSON object) and exit code. The options are accepted before
 * or after the subcommand.
 */
abstract class ClientCommand implements Callable<Integer> {

    @Option(names = "--url", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "the Magnet server (default: $MAGNET_URL, else " + ClientSettings.DEFAULT_URL + ")")
    private String url;

    @Option(names = "--api-key", paramLabel = "KEY", scope = ScopeType.INHERIT,
            description = "the API key (default: $MAGNET_API_KEY)")
    private String apiKey;

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "show this help")
    private boolean help;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT, completionCandidates = Output.class,
            description = "text (default) or json: the server's JSON answers, followed events as JSON lines, errors as JSON")
    private String output;

    /** The values of {@code --output}. */
    static final class Output implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("text", "json").iterator();
        }
    }

    @Spec
    private CommandSpec spec;

    private final CliEnvironment env;

    ClientCommand(CliEnvironment env) {
        this.env = Objects.requireNonNull(env, "env: use CliEnvironment.system() for the real process");
    }

    /** Without a subcommand: prints the usage to stderr. */
    @Override
    public Integer call() {
        spec.commandLine().usage(env.err());
        env.err().flush();
        return ExitCodes.USAGE;
    }

    /** What a subcommand does with a client; returns its exit code. */
    @FunctionalInterface
    interface Action {
        int run(MagnetClient client) throws InterruptedException;
    }

    /**
     * Runs a subcommand's action with a client for the resolved settings, and turns a {@link CliException} into its
     * {@code error: …} line and exit code.
     */
    int run(Action action) {
        try {
            json();
        } catch (CliException e) {
            env.err().println("error: " + e.getMessage());
            env.err().flush();
            return e.exitCode();
        }
        try (MagnetClient client = new MagnetClient(ClientSettings.resolve(url, apiKey, env))) {
            return action.run(client);
        } catch (CliException e) {
            env.out().flush();
            if (json()) {
                env.err().println(ClientJson.write(java.util.Map.of("error", e.getMessage(), "exitCode", e.exitCode())));
            } else {
                env.err().println("error: " + e.getMessage());
            }
            return e.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERRUPTED;
        } finally {
            env.out().flush();
            env.err().flush();
        }
    }

    CliEnvironment env() {
        return env;
    }

    /**
     * Whether {@code --output json} was asked for.
     *
     * @throws CliException.Usage when {@code --output} is neither {@code text} nor {@code json}
     */
    boolean json() {
        if (output == null || output.equalsIgnoreCase("text")) {
            return false;
        }
        if (output.equalsIgnoreCase("json")) {
            return true;
        }
        throw new CliException.Usage("--output must be text or json, was '" + output + "'");
    }

    /** Prints a JSON answer of the server (indented). */
    void printJson(JsonNode answer) {
        env.out().println(ClientJson.pretty(answer));
    }

    /**
     * Deletes {@code path} on the server and says so: {@code {"id": …, "deleted": true}} with {@code --output json},
     * else "{@code what id} deleted".
     */
    int delete(MagnetClient client, String path, String what, String id) throws InterruptedException {
        client.delete(path);
        env.out().println(json() ? ClientJson.write(java.util.Map.of("id", id, "deleted", true)) : what + " " + id + " deleted");
        return ExitCodes.OK;
    }

    Style style() {
        return new Style(env.colour());
    }
}
