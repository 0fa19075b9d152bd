package dev.magnet.config;

import java.time.Duration;
import java.util.Map;

/**
 * Bounds on what one session may take from the server. Going past any of them fails that session with a
 * clear reason; the server and the other sessions carry on (SECURITY.md, rule 5).
 *
 * @param agentMaxLineBytes     the longest line the agent may write on stdout ({@code MAGNET_AGENT_MAX_LINE_KB}, 16384)
 * @param relayMaxBodyBytes     the largest request body the model relay takes from the agent
 *                              ({@code MAGNET_RELAY_MAX_BODY_KB}, 32768); a larger one is answered 413 unread
 * @param gatewayMaxConnections connections open at once on one gateway socket of a session
 *                              ({@code MAGNET_GATEWAY_MAX_CONNECTIONS}, 64); more are closed at once
 * @param turnTimeout           wall-clock limit of one turn, from the message given to the agent to its result
 *                              ({@code MAGNET_TURN_TIMEOUT_SECONDS}, 3600); the session fails {@code timeout}
 * @param sessionTimeout        wall-clock limit of one run of a session, from when a runner takes it up to when it
 *                              completes ({@code MAGNET_SESSION_TIMEOUT_SECONDS}, 14400); the session fails {@code timeout}
 * @param parkAfter             how long an agent that waits for a message (interrupted) keeps its run slot before it
 *                              is parked ({@code MAGNET_PARK_SECONDS}, 60)
 */
public record SessionLimits(long agentMaxLineBytes, long relayMaxBodyBytes, int gatewayMaxConnections,
                            Duration turnTimeout, Duration sessionTimeout, Duration parkAfter) {

    public SessionLimits {
        if (agentMaxLineBytes < 64 * 1024) {
            throw new IllegalArgumentException("MAGNET_AGENT_MAX_LINE_KB must be at least 64");
        }
        if (relayMaxBodyBytes < 64 * 1024) {
            throw new IllegalArgumentException("MAGNET_RELAY_MAX_BODY_KB must be at least 64");
        }
        if (gatewayMaxConnections < 2) {
            throw new IllegalArgumentException("MAGNET_GATEWAY_MAX_CONNECTIONS must be at least 2");
        }
        if (parkAfter.isNegative() || parkAfter.isZero()) {
            throw new IllegalArgumentException("MAGNET_PARK_SECONDS must be positive");
        }
        if (turnTimeout.isNegative() || turnTimeout.isZero() || sessionTimeout.isNegative() || sessionTimeout.isZero()) {
            throw new IllegalArgumentException("MAGNET_TURN_TIMEOUT_SECONDS and MAGNET_SESSION_TIMEOUT_SECONDS must be positive");
        }
    }

    /** The defaults, as documented in the README. */
    public static SessionLimits defaults() {
        return fromEnvironment(Map.of());
    }

    static SessionLimits fromEnvironment(Map<String, String> env) {
        return new SessionLimits(
                MagnetConfig.parseLong(env, "MAGNET_AGENT_MAX_LINE_KB", 16 * 1024) * 1024,
                MagnetConfig.parseLong(env, "MAGNET_RELAY_MAX_BODY_KB", 32 * 1024) * 1024,
                (int) MagnetConfig.parseLong(env, "MAGNET_GATEWAY_MAX_CONNECTIONS", 64),
                Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_TURN_TIMEOUT_SECONDS", 3600)),
                Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_SESSION_TIMEOUT_SECONDS", 14400)),
                Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_PARK_SECONDS", 60)));
    }
}
