package dev.magnet.events;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback converter ({@code %redactedMsg}) that masks every secret known to Magnet in log messages and
 * exception texts, so no log line ever carries the model key.
 */
public final class RedactingConverter extends MessageConverter {
    private static volatile Redactor redactor = new Redactor();

    /** Makes the log use the given redactor (the composition root calls this once). */
    public static void use(Redactor r) {
        redactor = r;
    }

    @Override
    public String convert(ILoggingEvent event) {
        String message = super.convert(event);
        if (event.getThrowableProxy() != null) {
            message = message + " [" + event.getThrowableProxy().getClassName() + ": "
                    + event.getThrowableProxy().getMessage() + "]";
        }
        return redactor.redact(message);
    }
}
