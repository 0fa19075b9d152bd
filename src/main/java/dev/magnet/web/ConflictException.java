package dev.magnet.web;

/** The request does not fit the current state of the thing (HTTP 409), e.g. a follow-up to a failed session. */
public final class ConflictException extends RuntimeException {
    public ConflictException(String detail) {
        super(detail);
    }
}
