package dev.magnet.sandbox;

/** A sandbox could not be made or could not start a process; the message says why. */
public class SandboxException extends RuntimeException {
    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }

    public SandboxException(String message) {
        super(message);
    }
}
