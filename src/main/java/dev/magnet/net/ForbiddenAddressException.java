package dev.magnet.net;

/**
 * A user-given URL points at a host that Magnet may not reach (a loopback, link-local or private address the operator
 * did not allow), or whose name does not resolve.
 */
public final class ForbiddenAddressException extends IllegalArgumentException {
    private final boolean forbidden;

    ForbiddenAddressException(String message, boolean forbidden) {
        super(message);
        this.forbidden = forbidden;
    }

    /** True when the host resolved to an address that is refused; false when it did not resolve at all. */
    public boolean forbidden() {
        return forbidden;
    }
}
