package dev.magnet.environment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.auth.Actor;
import dev.magnet.auth.AuditLog;
import dev.magnet.crypto.SecretBox;
import dev.magnet.events.Redactor;
import dev.magnet.session.EnvironmentChoices;
import dev.magnet.session.RepoNames;
import dev.magnet.store.Ids;
import dev.magnet.web.ConflictException;
import dev.magnet.web.ForbiddenException;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.NotFoundException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The environments of a workspace (SPEC §5): admins create, change and delete them, members read them; secrets are
 * sealed at rest and never read back through the API. One environment of a workspace at most is its default, picked
 * for sessions that name none. Also how sessions pick theirs ({@link EnvironmentChoices}) and how a runner gets one
 * with its secrets ({@link #forRun}).
 */
public final class EnvironmentService implements EnvironmentChoices {
    private final Jdbi jdbi;
    private final EnvironmentRepository environments;
    private final RepoNames repoNames;
    private final AuditLog audit;
    private final Redactor redactor;
    private final Clock clock;
    private final Supplier<Set<String>> images;

    /**
     * Makes the service; every stored secret is registered with the redactor at once.
     *
     * @param images the names of the sandbox images an environment may name (asked at each create and change)
     */
    public EnvironmentService(Jdbi jdbi, SecretBox secrets, RepoNames repoNames, AuditLog audit, Redactor redactor,
                              Clock clock, Supplier<Set<String>> images) {
        this.images = images;
        this.jdbi = jdbi;
        this.environments = new EnvironmentRepository(secrets);
        this.repoNames = repoNames;
        this.audit = audit;
        this.redactor = redactor;
        this.clock = clock;
        jdbi.useHandle(h -> environments.forEachSecret(h, (name, value) -> redactor.registerNamed(value, name)));
    }

    /** An environment with its secrets' values: what a session's sandbox is prepared with. */
    public record Prepared(Environment environment, Map<String, String> secrets) {
        public Prepared {
            secrets = Map.copyOf(secrets);
        }
    }

    public Environment create(Actor actor, JsonNode body) {
        requireAdmin(actor);
        return jdbi.inTransaction(h -> {
            EnvironmentDraft draft = EnvironmentDraft.defaults().with(body, repo(actor), java.util.Set.of());
            requireKnownImage(draft);
            requireFreeName(h, actor.workspaceId(), draft.name(), null);
            String id = Ids.newId();
            Instant now = clock.instant();
            environments.insert(h, id, actor.workspaceId(), draft, now);
            changeSecrets(h, id, draft.secretChanges());
            if (draft.isDefault()) {
                environments.clearDefault(h, actor.workspaceId(), id);
            }
            audit.record(h, actor, "environment.create", "environment", id, draft.name());
            return environments.find(h, actor.workspaceId(), id).orElseThrow();
        });
    }

    public List<Environment> list(Actor actor) {
        return jdbi.withHandle(h -> environments.list(h, actor.workspaceId()));
    }

    public Environment get(Actor actor, String id) {
        return jdbi.withHandle(h -> visible(h, actor, id));
    }

    /** Applies a {@code PATCH}: fields left out keep their value. */
    public Environment update(Actor actor, String id, JsonNode body) {
        requireAdmin(actor);
        return jdbi.inTransaction(h -> {
            Environment current = visible(h, actor, id);
            EnvironmentDraft draft = EnvironmentDraft.of(current).with(body, repo(actor), current.secretNames());
            if (body.has("image")) {
                requireKnownImage(draft);
            }
            requireFreeName(h, actor.workspaceId(), draft.name(), id);
            if (!environments.update(h, id, current.version(), draft, clock.instant())) {
                throw new ConflictException("environment " + id + " was changed meanwhile; read it again and retry");
            }
            changeSecrets(h, id, draft.secretChanges());
            if (draft.isDefault()) {
                environments.clearDefault(h, actor.workspaceId(), id);
            }
            audit.record(h, actor, "environment.update", "environment", id, changedFields(body));
            return environments.find(h, actor.workspaceId(), id).orElseThrow();
        });
    }

    /**
     * Deletes an environment and its secrets; sessions that ran in it keep its id.
     *
     * @throws ConflictException while active sessions run in it
     */
    public void delete(Actor actor, String id) {
        requireAdmin(actor);
        jdbi.useTransaction(h -> {
            Environment current = visible(h, actor, id);
            int active = environments.activeSessions(h, id);
            if (active > 0) {
                throw new ConflictException(active + " active session" + (active == 1 ? "" : "s") + " run in environment '"
                        + current.name() + "'; cancel or wait for them, or disable the environment instead");
            }
            environments.delete(h, id);
            audit.record(h, actor, "environment.delete", "environment", id, current.name());
        });
    }

    @Override
    public Optional<Chosen> named(String workspaceId, String environmentId) {
        Environment e = jdbi.withHandle(h -> Ids.isWellFormed(environmentId)
                ? environments.find(h, workspaceId, environmentId) : Optional.<Environment>empty())
                .orElseThrow(() -> new InvalidRequestException("environmentId", "environment " + environmentId
                        + " does not exist in this workspace"));
        if (!e.enabled()) {
            throw new InvalidRequestException("environmentId", "environment '" + e.name() + "' is disabled; enable it "
                    + "or pick another");
        }
        return Optional.of(new Chosen(e.id(), e.repo(), e.branch()));
    }

    @Override
    public Optional<Chosen> workspaceDefault(String workspaceId) {
        return jdbi.withHandle(h -> environments.findDefault(h, workspaceId)).filter(Environment::enabled)
                .map(e -> new Chosen(e.id(), e.repo(), e.branch()));
    }

    /** The environment a session runs in, with its secrets; empty when it was deleted. */
    public Optional<Prepared> forRun(String environmentId) {
        return jdbi.withHandle(h -> environments.findById(h, environmentId)
                .map(e -> new Prepared(e, environments.secretValues(h, e.id()))));
    }

    /**
     * How many failed check runs of a pull request become follow-ups in a session of the environment (per pull request):
     * the environment's {@code checkFollowUps}, else {@code serverDefault} ({@code MAGNET_GITHUB_CHECK_FOLLOW_UPS}), also for
     * a session without an environment or whose environment was deleted.
     */
    public int checkFollowUps(String workspaceId, String environmentId, int serverDefault) {
        if (environmentId == null || !Ids.isWellFormed(environmentId)) {
            return serverDefault;
        }
        return jdbi.withHandle(h -> environments.find(h, workspaceId, environmentId))
                .map(Environment::checkFollowUps).orElse(null) instanceof Integer n ? n : serverDefault;
    }

    /** Stores the secrets' changes; a new value is known to the redactor before anything can show it. */
    private void changeSecrets(Handle h, String environmentId, Map<String, String> changes) {
        changes.forEach((name, value) -> {
            if (value != null) {
                redactor.registerNamed(value, name);
            }
        });
        environments.changeSecrets(h, environmentId, changes);
    }

    private java.util.function.UnaryOperator<String> repo(Actor actor) {
        return input -> repoNames.canonical(actor.workspaceId(), input);
    }

    private Environment visible(Handle h, Actor actor, String id) {
        if (!Ids.isWellFormed(id)) {
            throw new NotFoundException("no environment " + id);
        }
        return environments.find(h, actor.workspaceId(), id).orElseThrow(() -> new NotFoundException("no environment " + id));
    }

    private void requireFreeName(Handle h, String workspaceId, String name, String exceptId) {
        if (environments.nameTaken(h, workspaceId, name, exceptId)) {
            throw new ConflictException("the workspace already has an environment named '" + name + "'");
        }
    }

    private static void requireAdmin(Actor actor) {
        if (!actor.isAdmin()) {
            throw new ForbiddenException("only admins of the workspace may change its environments");
        }
    }

    private static String changedFields(JsonNode body) {
        List<String> fields = new java.util.ArrayList<>();
        body.fieldNames().forEachRemaining(fields::add);
        return String.join(", ", fields);
    }

    /** A 400 on {@code image} when the draft names an image this server does not have. */
    private void requireKnownImage(EnvironmentDraft draft) {
        if (draft.image() == null) {
            return;
        }
        Set<String> known = images.get();
        if (!known.contains(draft.image())) {
            throw new InvalidRequestException("image", "there is no image '" + draft.image() + "' on this server (images: "
                    + String.join(", ", known) + "); an operator adds images with ./magnet images");
        }
    }
}
