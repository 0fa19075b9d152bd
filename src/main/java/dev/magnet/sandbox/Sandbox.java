package dev.magnet.sandbox;

import java.util.List;
import java.util.Map;

/** One session's isolated place to run the agent. Closing it kills everything still running inside. */
public interface Sandbox extends AutoCloseable {

    /**
     * Starts a process inside the sandbox with exactly the given environment (nothing is inherited from
     * the server), the workspace as its working directory and piped stdio.
     *
     * @throws SandboxException when it cannot start
     */
    SandboxProcess start(List<String> command, Map<String, String> environment);

    SandboxSpec spec();

    @Override
    void close();
}
