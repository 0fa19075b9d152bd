package dev.magnet.cli;

import java.time.Duration;
import java.util.Objects;
import picocli.CommandLine.Command;

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
public final class SessionsCommand extends ClientCommand {

    /** How long an event stream may stay silent, heartbeats included, before it is reopened. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(90);

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
        super(env);
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

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

    SessionPrinter sessionPrinter() {
        return new SessionPrinter(style(), env().clock());
    }

    EventFollower follower(MagnetClient client) {
        return new EventFollower(client, new EventPrinter(style()), env().out(), env().err(), style(), backoff, idleTimeout,
                json());
    }
}
