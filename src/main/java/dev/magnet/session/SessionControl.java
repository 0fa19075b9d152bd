package dev.magnet.session;

/**
 * What the session service asks of whatever runs sessions (the runner), without knowing how it runs them.
 */
public interface SessionControl {
    /** New work may be waiting: a session was created or reopened. */
    void wake();

    /** A follow-up was queued for a session; a live agent should take it. */
    void messageQueued(String sessionId);

    /** Interrupts the agent's current turn; false when no agent of that session is running here. */
    boolean interrupt(String sessionId);

    /** Cancels a session that runs here (kills its sandbox, fails it); false when it does not run here. */
    boolean cancel(String sessionId, String byWhom);

    /**
     * Starts the preview of a session that does not run (its sandbox was closed at completion or torn down while idle):
     * a sandbox over its workspace (made again from its branch when torn down, with setup) with only the run script.
     * False when this runner cannot (it is stopping); true when it runs already.
     */
    default boolean startPreview(String sessionId) {
        return false;
    }
}
