package dev.magnet.sandbox;

import java.nio.file.Path;

/**
 * The session as the agent sees it from inside its sandbox: where its workspace, home, temp folder and the
 * Claude Code binary are, and the URLs of the model relay and the egress proxy (null when there is none).
 */
public record AgentView(Path workspace, Path home, Path tmp, Path claudeBin, String modelBaseUrl, String proxyUrl) {
}
