package dev.magnet.logging;

import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * The logging context (SLF4J's MDC) Magnet sets: the id of the HTTP request being answered and the id of the session
 * whose work or request is logged. JSON log lines carry both ({@code requestId}, {@code sessionId}; null when none).
 */
public final class LogContext {
    /** The MDC key of the request id: the caller's {@code X-Request-Id}, or one made for the request. */
    public static final String REQUEST_ID = "requestId";
    /** The MDC key of the session id. */
    public static final String SESSION_ID = "sessionId";

    private static final Pattern ACCEPTABLE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");

    private LogContext() {
    }

    /**
     * Whether a caller's {@code X-Request-Id} may be taken as it is: 1 to 128 characters, letters, digits and
     * {@code . _ : @ / + = -} (what tracing headers and UUIDs use); anything else could forge or break log lines.
     */
    public static boolean acceptableRequestId(String value) {
        return value != null && ACCEPTABLE_REQUEST_ID.matcher(value).matches();
    }

    /** Runs {@code work} with {@code sessionId} in the logging context, then puts back the session id it had before. */
    public static void inSession(String sessionId, Runnable work) {
        String before = MDC.get(SESSION_ID);
        MDC.put(SESSION_ID, sessionId);
        try {
            work.run();
        } finally {
            if (before == null) {
                MDC.remove(SESSION_ID);
            } else {
                MDC.put(SESSION_ID, before);
            }
        }
    }
}
