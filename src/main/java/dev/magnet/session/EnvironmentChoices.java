package dev.magnet.session;

import dev.magnet.web.InvalidRequestException;
import java.util.Optional;

/** Which environment a new session runs in, and the defaults it brings (implemented by the environments). */
public interface EnvironmentChoices {
    /** No environments on this server: naming one is refused. */
    EnvironmentChoices NONE = new EnvironmentChoices() {
        @Override
        public Optional<Chosen> named(String workspaceId, String environmentId) {
            throw new InvalidRequestException("environmentId", "environment " + environmentId + " does not exist");
        }

        @Override
        public Optional<Chosen> workspaceDefault(String workspaceId) {
            return Optional.empty();
        }
    };

    /** An environment a session runs in, with the repository and branch its sessions start from by default. */
    record Chosen(String id, String repo, String branch) {
    }

    /**
     * The named environment of the workspace.
     *
     * @throws InvalidRequestException (400, field {@code environmentId}) when the workspace has no such environment or
     *                                 it is disabled
     */
    Optional<Chosen> named(String workspaceId, String environmentId);

    /** The workspace's default environment when it has an enabled one. */
    Optional<Chosen> workspaceDefault(String workspaceId);
}
