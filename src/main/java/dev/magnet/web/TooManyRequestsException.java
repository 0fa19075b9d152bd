package dev.magnet.web;

/** Too many requests or sign-in attempts (HTTP 429); the caller may try again after {@code retryAfterSeconds}. */
public final class TooManyRequestsException extends RuntimeException {
    private final long retryAfterSeconds;

    public TooManyRequestsException(String detail, long retryAfterSeconds) {
        super(detail);
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
