package dev.magnet.environment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.crypto.SecretBox;
import dev.magnet.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;

/** The {@code environments} and {@code environment_secrets} tables; secret values are sealed by a {@link SecretBox}. */
final class EnvironmentRepository {
    private static final String COLUMNS = """
            id, workspace_id, name, repo, branch, image, setup_script, run_script, preview_port, check_follow_ups, env, network, cache,
            enabled, is_default, created_at, updated_at, version,
            (select string_agg(name, ',') from environment_secrets s where s.environment_id = environments.id) as secret_names
            """;
    private final SecretBox box;

    EnvironmentRepository(SecretBox box) {
        this.box = box;
    }

    void insert(Handle h, String id, String workspaceId, EnvironmentDraft d, Instant now) {
        h.createUpdate("""
                insert into environments (id, workspace_id, name, repo, branch, image, setup_script, run_script,
                    preview_port, check_follow_ups, env, network, cache, enabled, is_default, created_at, updated_at, version)
                values (:id, :workspaceId, :name, :repo, :branch, :image, :setupScript, :runScript, :previewPort, :checkFollowUps, :env,
                    :network, :cache, :enabled, :isDefault, :now, :now, 0)
                """)
                .bind("id", id)
                .bind("workspaceId", workspaceId)
                .bind("now", now)
                .bindMap(columns(d))
                .execute();
    }

    /** Writes a draft over an environment at {@code version}; false when someone changed it meanwhile. */
    boolean update(Handle h, String id, int version, EnvironmentDraft d, Instant now) {
        return h.createUpdate("""
                update environments set name = :name, repo = :repo, branch = :branch, image = :image,
                    setup_script = :setupScript, run_script = :runScript, preview_port = :previewPort, check_follow_ups = :checkFollowUps, env = :env,
                    network = :network, cache = :cache, enabled = :enabled, is_default = :isDefault, updated_at = :now,
                    version = version + 1
                where id = :id and version = :version
                """)
                .bind("id", id)
                .bind("version", version)
                .bind("now", now)
                .bindMap(columns(d))
                .execute() == 1;
    }

    /** Sets secrets by name; a null value removes that secret. */
    void changeSecrets(Handle h, String environmentId, Map<String, String> changes) {
        for (Map.Entry<String, String> c : changes.entrySet()) {
            h.createUpdate("delete from environment_secrets where environment_id = :e and name = :n")
                    .bind("e", environmentId).bind("n", c.getKey()).execute();
            if (c.getValue() != null) {
                h.createUpdate("insert into environment_secrets (environment_id, name, sealed) values (:e, :n, :sealed)")
                        .bind("e", environmentId).bind("n", c.getKey()).bind("sealed", box.seal(c.getValue())).execute();
            }
        }
    }

    /** The secrets' values, for the sandbox only. */
    Map<String, String> secretValues(Handle h, String environmentId) {
        Map<String, String> out = new TreeMap<>();
        h.createQuery("select name, sealed from environment_secrets where environment_id = :e")
                .bind("e", environmentId)
                .map((rs, ctx) -> Map.entry(rs.getString("name"), box.open(rs.getString("sealed"))))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** Every environment secret of every workspace, by name: to be known to the redactor from the start. */
    void forEachSecret(Handle h, java.util.function.BiConsumer<String, String> nameAndValue) {
        h.createQuery("select name, sealed from environment_secrets")
                .map((rs, ctx) -> Map.entry(rs.getString("name"), rs.getString("sealed")))
                .forEach(e -> nameAndValue.accept(e.getKey(), box.open(e.getValue())));
    }

    /** Makes every other environment of the workspace not the default. */
    void clearDefault(Handle h, String workspaceId, String exceptId) {
        h.createUpdate("""
                update environments set is_default = false, version = version + 1
                where workspace_id = :ws and is_default and id <> :id
                """)
                .bind("ws", workspaceId).bind("id", exceptId).execute();
    }

    Optional<Environment> find(Handle h, String workspaceId, String id) {
        return h.createQuery("select " + COLUMNS + " from environments where workspace_id = :ws and id = :id")
                .bind("ws", workspaceId).bind("id", id).map((rs, ctx) -> map(rs)).findOne();
    }

    Optional<Environment> findById(Handle h, String id) {
        return h.createQuery("select " + COLUMNS + " from environments where id = :id")
                .bind("id", id).map((rs, ctx) -> map(rs)).findOne();
    }

    Optional<Environment> findDefault(Handle h, String workspaceId) {
        return h.createQuery("select " + COLUMNS + " from environments where workspace_id = :ws and is_default")
                .bind("ws", workspaceId).map((rs, ctx) -> map(rs)).findFirst();
    }

    boolean nameTaken(Handle h, String workspaceId, String name, String exceptId) {
        return h.createQuery("select count(*) from environments where workspace_id = :ws and name = :name and id <> :id")
                .bind("ws", workspaceId).bind("name", name).bind("id", exceptId == null ? "" : exceptId)
                .mapTo(Integer.class).one() > 0;
    }

    List<Environment> list(Handle h, String workspaceId) {
        return h.createQuery("select " + COLUMNS + " from environments where workspace_id = :ws order by lower(name), id")
                .bind("ws", workspaceId).map((rs, ctx) -> map(rs)).list();
    }

    /** How many active sessions run in the environment. */
    int activeSessions(Handle h, String environmentId) {
        return h.createQuery("select count(*) from sessions where environment_id = :e and status = 'active'")
                .bind("e", environmentId).mapTo(Integer.class).one();
    }

    void delete(Handle h, String id) {
        h.createUpdate("delete from environments where id = :id").bind("id", id).execute();
    }

    private static Map<String, Object> columns(EnvironmentDraft d) {
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("setup", d.setupNetwork().wire());
        network.put("agent", d.agentNetwork().wire());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", d.name());
        c.put("repo", d.repo());
        c.put("branch", d.branch());
        c.put("image", d.image());
        c.put("setupScript", d.setupScript());
        c.put("runScript", d.runScript());
        c.put("previewPort", d.previewPort());
        c.put("checkFollowUps", d.checkFollowUps());
        c.put("env", Json.write(new TreeMap<>(d.env())));
        c.put("network", Json.write(network));
        c.put("cache", d.cache() == null ? null : Json.write(d.cache().wire()));
        c.put("enabled", d.enabled());
        c.put("isDefault", d.isDefault());
        return c;
    }

    private static Environment map(ResultSet rs) throws SQLException {
        JsonNode network = tree(rs.getString("network"));
        String cache = rs.getString("cache");
        int port = rs.getInt("preview_port");
        Integer previewPort = rs.wasNull() ? null : port;
        int checks = rs.getInt("check_follow_ups");
        Integer checkFollowUps = rs.wasNull() ? null : checks;
        String secretNames = rs.getString("secret_names");
        Map<String, String> env = new TreeMap<>();
        tree(rs.getString("env")).properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        return new Environment(rs.getString("id"), rs.getString("workspace_id"), rs.getString("name"), rs.getString("repo"),
                rs.getString("branch"), rs.getString("image"), rs.getString("setup_script"), rs.getString("run_script"),
                previewPort, checkFollowUps, env,
                secretNames == null ? Set.of() : new TreeSet<>(List.of(secretNames.split(","))),
                NetworkPolicy.parse(network.path("setup"), "network.setup"),
                NetworkPolicy.parse(network.path("agent"), "network.agent"),
                cache == null ? null : SetupCache.parse(tree(cache)),
                rs.getBoolean("enabled"), rs.getBoolean("is_default"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant(), rs.getInt("version"));
    }

    private static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("an environment's stored JSON is damaged: " + e.getMessage(), e);
        }
    }
}
