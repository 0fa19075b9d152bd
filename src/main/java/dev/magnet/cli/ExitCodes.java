package dev.magnet.cli;

/** The exit codes of {@code magnet sessions …}. */
final class ExitCodes {

    /** Done; for {@code follow}, the session completed. */
    static final int OK = 0;
    /** {@code follow}: the session failed. */
    static final int SESSION_FAILED = 1;
    /** Wrong usage, missing configuration, or the server refused the request (4xx). */
    static final int USAGE = 2;
    /** The server could not be reached. */
    static final int UNREACHABLE = 3;
    /** The server failed (5xx) or answered something the client cannot read. */
    static final int SERVER_ERROR = 4;
    /** Stopped by an interrupt (as a shell reports SIGINT). */
    static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
