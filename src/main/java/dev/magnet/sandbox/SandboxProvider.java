package dev.magnet.sandbox;

/** Makes sandboxes for sessions. The local default and the Kubernetes one implement it. */
public interface SandboxProvider {

    /**
     * Prepares a sandbox over the spec's folders (which exist).
     *
     * @throws SandboxException when the sandbox cannot be made
     */
    Sandbox create(SandboxSpec spec);

    /** A short name for logs and the session's details, e.g. {@code process} or {@code bwrap}. */
    String name();
}
