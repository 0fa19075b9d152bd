package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code magnet sessions …}: the command-line client of a Magnet server (SPEC §7). The launcher
 * registers it as a subcommand:
 *
 * <pre>{@code new CommandLine(new MagnetCommand()).addSubcommand(new SessionsCommand())}</pre>
 *
 * <p>The server's URL comes from {@code --url}, else {@code MAGNET_URL}, else
 * {@code http://localhost:7070}; the API key from {@code --api-key}, else {@code MAGNET_API_KEY}.
 * Both options are accepted before or after the subcommand.
 *
 * <p>Exit codes: 0 done (for {@code follow}: the session completed); 1 the followed session
 * failed; 2 wrong usage, missing API key, or the server refused the request (4xx); 3 the server
 * could not be reached; 4 the server failed (5xx) or answered something unreadable. Errors are one
 * {@code error: …} line on stderr.
 *
 * <p>With {@code --output json} (before or after the subcommand) every command prints JSON on stdout: the server's
 * answer, or for a followed stream one event object a line (JSON Lines) ending with {@code {"end": …}}; an error is
 * then one JSON object on stderr, {@code {"error": "…", "exitCode": n}}.
 */
@Command(
        name = "sessions",
        description = "Create, list, show, follow and steer Magnet sessions.",
        subcommands = {
            CreateCommand.class,
            ListCommand.class,
            ShowCommand.class,
            FollowCommand.class,
            SendCommand.class,
            InterruptCommand.class,
            CancelCommand.class,
            RetryCommand.class,
            DiffCommand.class,
        })
public final class SessionsCommand implements Callable<Integer> {

    /** How long an event stream may stay silent, heartbeats included, before it is reopened. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);

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
    private final Backoff backoff;
    private final Duration idleTimeout;

    /** The client of the process's own environment and standard streams. */
    public SessionsCommand() {
        this(CliEnvironment.system());
    }

    /** The client of the given environment: its variables, streams, terminal and clock. */
    public SessionsCommand(CliEnvironment env) {
        this(env, Backoff.DEFAULT, DEFAULT_IDLE_TIMEOUT);
    }

    SessionsCommand(CliEnvironment env, Backoff backoff, Duration idleTimeout) {
        this.env = Objects.requireNonNull(env, "env: use CliEnvironment.system() for the real process");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
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
     * Runs a subcommand's action with a client for the resolved settings, and turns a
     * {@link CliException} into its {@code error: …} line and exit code.
     */
    /** A request about one session that answers nothing worth printing but its acceptance (interrupt, cancel). */
    interface Request {
        void send(MagnetClient client, String id) throws InterruptedException;
    }

    /** Sends {@code request} for session {@code id} and says it was requested. */
    int request(String what, String id, Request request) {
        return run(client -> {
            request.send(client, id);
            if (json()) {
                env().out().println(ClientJson.write(java.util.Map.of("id", id, "requested", what)));
            } else {
                env().out().println(what + " requested for " + id);
            }
            return ExitCodes.OK;
        });
    }

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

    Style style() {
        return new Style(env.colour());
    }

    SessionPrinter sessionPrinter() {
        return new SessionPrinter(style(), env.clock());
    }

    EventFollower follower(MagnetClient client) {
        return new EventFollower(client, new EventPrinter(style()), env.out(), env.err(), style(), backoff, idleTimeout,
                json());
    }
}
