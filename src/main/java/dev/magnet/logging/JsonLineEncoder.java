package dev.magnet.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.magnet.events.RedactingConverter;
import dev.magnet.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes a log event as one line of JSON: {@code time} (ISO-8601, UTC), {@code level}, {@code logger},
 * {@code thread}, {@code message} (redacted like the text log, an exception's type and message appended, never its
 * stack trace), {@code requestId} and {@code sessionId} (from {@link LogContext}; null when the line has none).
 */
final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {
    private static final byte[] NOTHING = new byte[0];
    private final RedactingConverter message = new RedactingConverter();

    @Override
    public void start() {
        message.setContext(getContext());
        message.start();
        super.start();
    }

    @Override
    public byte[] headerBytes() {
        return NOTHING;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        Map<String, String> context = event.getMDCPropertyMap();
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("time", event.getInstant().toString());
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("message", message.convert(event));
            json.writeStringField(LogContext.REQUEST_ID, context.get(LogContext.REQUEST_ID));
            json.writeStringField(LogContext.SESSION_ID, context.get(LogContext.SESSION_ID));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a log line could not be written as JSON", e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    @Override
    public byte[] footerBytes() {
        return NOTHING;
    }
}
