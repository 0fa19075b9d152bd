package dev.magnet.sandbox;

/** A sandbox could not be made or could not start a process; the message says why. */
public class SandboxException extends RuntimeException {
    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }

    public SandboxException(String message) {
        super(message);
    }

    /** What kind of failure it is for the session: {@link SandboxFailure#SANDBOX_FAILED} unless a subclass knows better. */
    public SandboxFailure failure() {
        return SandboxFailure.SANDBOX_FAILED;
    }
}
