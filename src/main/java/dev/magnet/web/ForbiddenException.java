package dev.magnet.web;

/** The caller is known but may not do this (HTTP 403), e.g. a member calling an admin-only route. */
public final class ForbiddenException extends RuntimeException {
    public ForbiddenException(String detail) {
        super(detail);
    }
}
