package dev.magnet.session;

/** Someone else changed a session between a read and a write; the caller re-reads and tries again. */
public final class ConcurrentUpdateException extends RuntimeException {
    public ConcurrentUpdateException(String sessionId) {
        super("session " + sessionId + " was changed concurrently");
    }
}
