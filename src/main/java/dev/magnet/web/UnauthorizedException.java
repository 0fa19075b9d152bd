package dev.magnet.web;

/** Missing or wrong credentials (HTTP 401): an unknown API key, a wrong password, an expired sign-in. */
public final class UnauthorizedException extends RuntimeException {
    public UnauthorizedException(String detail) {
        super(detail);
    }
}
