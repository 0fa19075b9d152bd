package dev.magnet.sandbox;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a session's sandbox is made of: its writable workspace (the repository), the agent's home (kept
 * across processes for {@code --resume}) and a private temp folder.
 */
public record SandboxSpec(String sessionId, Path workspace, Path home, Path tmp) {
    public SandboxSpec {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(workspace, "workspace");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(tmp, "tmp");
    }
}
