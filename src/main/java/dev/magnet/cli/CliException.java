package dev.magnet.cli;

import java.net.URI;

/**
 * A failure the client reports as one {@code error: …} line on stderr and an exit code, instead
 * of a stack trace. {@link SessionsCommand} maps them once, at the edge.
 */
abstract sealed class CliException extends RuntimeException {

    private CliException(String message) {
        super(message);
    }

    /** The process exit code for this failure; see {@link ExitCodes}. */
    abstract int exitCode();

    /** Wrong usage or missing configuration, found before anything was sent. */
    static final class Usage extends CliException {
        Usage(String message) {
            super(message);
        }

        @Override
        int exitCode() {
            return ExitCodes.USAGE;
        }
    }

    /** The server at {@code url} could not be reached (refused, unknown host, timed out). */
    static final class Unreachable extends CliException {
        private final String reason;

        Unreachable(URI url, String reason) {
            super("could not reach the Magnet server at " + url + " (" + reason + ")."
                    + " Is it running? MAGNET_URL (or --url) sets its address; the default is "
                    + ClientSettings.DEFAULT_URL + ".");
            this.reason = reason;
        }

        String reason() {
            return reason;
        }

        @Override
        int exitCode() {
            return ExitCodes.UNREACHABLE;
        }
    }

    /** The server answered with an error status; 4xx exits with 2, anything else with 4. */
    static final class ServerAnswer extends CliException {
        private final ErrorAnswer problem;

        ServerAnswer(ErrorAnswer problem) {
            super(problem.describe() + hint(problem.status()));
            this.problem = problem;
        }

        ErrorAnswer problem() {
            return problem;
        }

        boolean isServerError() {
            return problem.status() >= 500;
        }

        @Override
        int exitCode() {
            return problem.status() >= 400 && problem.status() < 500 ? ExitCodes.USAGE : ExitCodes.SERVER_ERROR;
        }

        private static String hint(int status) {
            return status == 401
                    ? "\nhint: MAGNET_API_KEY (or --api-key) must hold an API key of this Magnet server"
                    : "";
        }
    }

    /** The server answered something the client cannot read (not JSON, not an event stream). */
    static final class Unexpected extends CliException {
        Unexpected(String message) {
            super(message);
        }

        @Override
        int exitCode() {
            return ExitCodes.SERVER_ERROR;
        }
    }
}
