package dev.magnet.environment;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How a session's sandbox is prepared (SPEC §5), as stored: secrets are known here by name only.
 *
 * @param repo         the repository sessions of it start from when they name none, or null
 * @param branch       their base branch when they name none, or null
 * @param image        the sandbox's root filesystem (an image of {@code SandboxProvider.images()}), or null for {@code host}
 * @param setupScript  run after the clone, before the agent, as root inside the sandbox; null: the repository's
 *                     {@code .magnet/setup.sh} when present
 * @param runScript    a background process kept running while the agent works (a dev server), or null
 * @param previewPort  the port inside the sandbox the session's preview URL shows, or null
 * @param checkFollowUps how many failed check runs of a session's pull request become follow-ups, per pull request
 *                     (0: none); null: the server's {@code MAGNET_GITHUB_CHECK_FOLLOW_UPS}
 */
public record Environment(String id, String workspaceId, String name, String repo, String branch, String image,
                          String setupScript, String runScript, Integer previewPort, Integer checkFollowUps, Map<String, String> env,
                          Set<String> secretNames, NetworkPolicy setupNetwork, NetworkPolicy agentNetwork, SetupCache cache,
                          boolean enabled, boolean isDefault, Instant createdAt, Instant updatedAt, int version) {
    public Environment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(workspaceId, "workspaceId");
        Objects.requireNonNull(name, "name");
        env = Map.copyOf(env);
        secretNames = Set.copyOf(secretNames);
        Objects.requireNonNull(setupNetwork, "setupNetwork");
        Objects.requireNonNull(agentNetwork, "agentNetwork");
    }
}
