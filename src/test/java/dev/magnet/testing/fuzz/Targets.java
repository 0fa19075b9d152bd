package dev.magnet.testing.fuzz;

import java.util.List;

/**
 * What the request generator needs of the server it fuzzes: real things to name in paths, and credentials good and
 * bad. Asked at each request, so a credential that had to be renewed is current.
 */
public interface Targets {
    /** A browser sign-in: the session cookie and the CSRF token that goes with it. */
    record SignIn(String session, String csrf) {
    }

    /**
     * A real thing of the fuzzing admin's workspace for a path parameter, so that only what the fuzzer breaks is wrong.
     *
     * @throws IllegalStateException when the fuzzer has no such thing: a new route needs a target
     */
    String target(ApiDescription.Operation operation, String parameter);

    /** Ids of real things that the parameter does not name for the admin: other kinds, other workspaces. */
    List<String> foreignIds(ApiDescription.Operation operation, String parameter);

    /** The admin's API key. */
    String adminKey();

    /** The admin's browser sign-in. */
    SignIn adminBrowser();

    /** A key of a member (not an admin) of the admin's workspace. */
    String memberKey();

    /** A key of the admin of another workspace. */
    String otherWorkspaceKey();

    /** A key the admin revoked. */
    String revokedKey();

    /** A browser sign-in that was signed out. */
    SignIn signedOutBrowser();

    /** The bearer token the metrics route asks for. */
    String metricsToken();

    /**
     * Headers a valid request to the operation carries that depend on its body, such as a webhook's signature; the
     * request's own headers of the same name win.
     */
    List<java.util.Map.Entry<String, String>> bodyHeaders(ApiDescription.Operation operation, byte[] body);
}
