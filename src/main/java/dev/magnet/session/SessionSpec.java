package dev.magnet.session;

import java.time.Instant;
import java.util.Objects;

/**
 * What a session was asked to do, written once when it is created (SPEC §1): who asked, in which workspace, the
 * prompt, repository, session branch and model, the environment that prepares its sandbox, and what it retries.
 *
 * @param environmentId  the environment the session runs in (SPEC §5), or null for the server's plain sandbox
 * @param agentSessionId the Claude Code conversation id ({@code --session-id}, then {@code --resume})
 */
public record SessionSpec(String id, String workspaceId, Author author, String prompt, String repo, String branch,
                          String model, String environmentId, String retryOf, String agentSessionId, Instant createdAt) {
    public SessionSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(workspaceId, "workspaceId");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(branch, "branch");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(agentSessionId, "agentSessionId");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
