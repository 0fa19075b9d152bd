package dev.magnet.gateway;

/**
 * One connection a sandbox tried through its egress proxy.
 *
 * @param method        the HTTP method of a plain-HTTP request, or {@code CONNECT} for a tunnel (HTTPS)
 * @param phase         what was running: {@code setup} or {@code agent}
 * @param reason        why it was refused, or null when it was allowed
 * @param bytesSent     bytes from the sandbox to the destination
 * @param bytesReceived bytes from the destination back
 */
public record EgressAttempt(String host, int port, String method, boolean allowed, String phase, String reason,
                            long bytesSent, long bytesReceived) {
}
