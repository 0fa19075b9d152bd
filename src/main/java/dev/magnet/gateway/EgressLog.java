package dev.magnet.gateway;

/** Where the egress proxy reports every connection attempt, once it has ended (or was refused). */
@FunctionalInterface
public interface EgressLog {
    /** Reports nothing. */
    EgressLog NONE = (sessionId, attempt) -> { };

    void record(String sessionId, EgressAttempt attempt);
}
