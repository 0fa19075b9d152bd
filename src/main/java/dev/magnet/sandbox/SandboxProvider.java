package dev.magnet.sandbox;

/** Makes sandboxes for sessions. The local default ({@link BwrapSandboxProvider}) and, later, Kubernetes implement it. */
public interface SandboxProvider {

    /**
     * Prepares a sandbox over the spec's folders (which exist), owned by the sandbox's account from then on.
     *
     * @throws SandboxException when the sandbox cannot be made
     */
    Sandbox create(SandboxSpec spec);

    /**
     * Kills whatever the session's sandboxes left running when the server that made them died, and removes what held
     * them. For a session no live server runs; nothing happens when nothing is left.
     */
    default void discardLeftovers(String sessionId) {
    }

    /** The images sessions of this provider may name (SPEC §5); {@link Images#HOST} at least. */
    default java.util.Set<String> images() {
        return java.util.Set.of(Images.HOST);
    }

    /** What identifies an image as built, so that what was made on an older build is not reused. */
    default String imageVersion(String image) {
        return image;
    }

    /** A short name for logs and the session's details, e.g. {@code bwrap}. */
    String name();
}
