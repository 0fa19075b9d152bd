package dev.magnet.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * The Logback encoder of {@code logback.xml}: writes each event with the text {@code pattern}, or as a JSON line
 * ({@link JsonLineEncoder}) when {@code format} is {@code json} (from {@code MAGNET_LOG_FORMAT}). An unknown format is
 * reported by Logback and falls back to text; the server refuses to start with it anyway ({@code MagnetConfig}).
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {
    private String format = "text";
    private String pattern;
    private Encoder<ILoggingEvent> delegate;

    public void setFormat(String format) {
        this.format = format;
    }

    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    @Override
    public void start() {
        LogFormat chosen;
        try {
            chosen = LogFormat.parse(format);
        } catch (IllegalArgumentException e) {
            addError(e.getMessage() + "; writing text");
            chosen = LogFormat.TEXT;
        }
        if (chosen == LogFormat.JSON) {
            delegate = new JsonLineEncoder();
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(pattern);
            delegate = text;
        }
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }
}
