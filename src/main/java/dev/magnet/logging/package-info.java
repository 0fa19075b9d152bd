/**
 * How Magnet's log lines are written: as text, or with {@code MAGNET_LOG_FORMAT=json} as one JSON object a line
 * ({@link dev.magnet.logging.LogEncoder}), both redacted; and the context every line of a request or a session's work
 * carries ({@link dev.magnet.logging.LogContext}: request id, session id).
 */
package dev.magnet.logging;
