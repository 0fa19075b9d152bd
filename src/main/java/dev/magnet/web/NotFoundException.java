package dev.magnet.web;

/** The thing does not exist for the caller (HTTP 404), also when it exists in another workspace. */
public final class NotFoundException extends RuntimeException {
    public NotFoundException(String detail) {
        super(detail);
    }
}
