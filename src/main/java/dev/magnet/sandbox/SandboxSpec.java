package dev.magnet.sandbox;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a session's sandbox is made of: its writable workspace (the repository), the agent's home (kept
 * across processes for {@code --resume}), a private temp folder, and a run folder that only the server
 * writes (the sandbox's generated passwd, group and hosts).
 */
public record SandboxSpec(String sessionId, Path workspace, Path home, Path tmp, Path run) {
    public SandboxSpec {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(workspace, "workspace");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(tmp, "tmp");
        Objects.requireNonNull(run, "run");
    }
}
