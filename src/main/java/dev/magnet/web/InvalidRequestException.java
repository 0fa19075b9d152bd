package dev.magnet.web;

/** A request that cannot be accepted as it is (HTTP 400); {@code field} names the offending input when there is one. */
public final class InvalidRequestException extends RuntimeException {
    private final String field;

    public InvalidRequestException(String field, String detail) {
        super(detail);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
