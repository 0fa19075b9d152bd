package dev.magnet.auth;

import dev.magnet.crypto.Tokens;
import dev.magnet.store.Ids;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First start of a fresh install (SPEC §6): creates the first workspace, its admin ({@code admin@localhost}) with a
 * password, and the admin's API key. The key is {@code MAGNET_BOOTSTRAP_API_KEY} when set, the password
 * {@code MAGNET_ADMIN_PASSWORD}; otherwise each is generated and handed back to be shown once. An install from
 * before passwords existed gets its first admin's password the same way.
 */
public final class Bootstrap {
    public static final String ADMIN_EMAIL = "admin@localhost";
    private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);
    private final Jdbi jdbi;
    private final ApiKeys apiKeys;
    private final Clock clock;

    public Bootstrap(Jdbi jdbi, ApiKeys apiKeys, Clock clock) {
        this.jdbi = jdbi;
        this.apiKeys = apiKeys;
        this.clock = clock;
    }

    /**
     * As {@link #ensureFirstWorkspace(String, String)} with a generated admin password that nobody sees (for
     * installs and tests that use API keys only).
     *
     * @return the generated API key, or null when none was generated
     */
    public String ensureFirstWorkspace(String bootstrapKey) {
        return ensureFirstWorkspace(bootstrapKey, null).apiKey();
    }

    /**
     * Creates the first workspace and admin if there is none yet; with a bootstrap key on a later start, makes
     * sure that key exists for the first admin.
     *
     * @return what was generated and must be shown to the operator once (each part null when nothing was)
     */
    public Result ensureFirstWorkspace(String bootstrapKey, String adminPassword) {
        if (adminPassword != null) {
            Passwords.requireAcceptable(adminPassword, "MAGNET_ADMIN_PASSWORD");
        }
        return jdbi.inTransaction(h -> {
            long workspaces = h.createQuery("select count(*) from workspaces").mapTo(Long.class).one();
            if (workspaces > 0) {
                if (bootstrapKey != null) {
                    ensureKeyForFirstAdmin(h, bootstrapKey);
                }
                return new Result(null, ensurePasswordForFirstAdmin(h, adminPassword));
            }
            Instant now = clock.instant();
            String workspaceId = Ids.newId();
            String userId = Ids.newId();
            String password = adminPassword != null ? adminPassword : Tokens.random(15);
            h.createUpdate("insert into workspaces (id, name, created_at) values (:id, 'Default', :at)")
                    .bind("id", workspaceId).bind("at", now).execute();
            h.createUpdate("""
                    insert into users (id, name, email, password_hash, email_verified, created_at)
                    values (:id, 'admin', :email, :hash, true, :at)
                    """)
                    .bind("id", userId).bind("email", ADMIN_EMAIL).bind("hash", Passwords.hash(password)).bind("at", now).execute();
            h.createUpdate("insert into memberships (workspace_id, user_id, role) values (:ws, :user, 'admin')")
                    .bind("ws", workspaceId).bind("user", userId).execute();
            String key = bootstrapKey != null ? bootstrapKey : ApiKeys.newKey();
            apiKeys.store(h, workspaceId, userId, "bootstrap", key);
            log.info("Created the first workspace 'Default' with user 'admin' ({})", ADMIN_EMAIL);
            return new Result(bootstrapKey != null ? null : key, adminPassword != null ? null : password);
        });
    }

    /** The id of the workspace made on the first start (the oldest), or null before the first start. */
    public String firstWorkspaceId() {
        return jdbi.withHandle(h -> h.createQuery("select id from workspaces order by created_at, id limit 1")
                .mapTo(String.class).findOne().orElse(null));
    }

    private void ensureKeyForFirstAdmin(Handle h, String key) {
        boolean exists = h.createQuery("select count(*) from api_keys where key_hash = :hash")
                .bind("hash", ApiKeys.hash(key)).mapTo(Long.class).one() > 0;
        if (exists) {
            return;
        }
        FirstAdmin admin = firstAdmin(h).orElseThrow(() -> new IllegalStateException("the install has workspaces but no admin"));
        apiKeys.store(h, admin.workspaceId(), admin.userId(), "bootstrap", key);
    }

    private String ensurePasswordForFirstAdmin(Handle h, String adminPassword) {
        long withPassword = h.createQuery("select count(*) from users where password_hash is not null").mapTo(Long.class).one();
        Optional<FirstAdmin> admin = firstAdmin(h);
        if (withPassword > 0 || admin.isEmpty()) {
            return null;
        }
        String password = adminPassword != null ? adminPassword : Tokens.random(15);
        h.createUpdate("update users set password_hash = :hash where id = :id")
                .bind("hash", Passwords.hash(password)).bind("id", admin.get().userId()).execute();
        return adminPassword != null ? null : password;
    }

    private static Optional<FirstAdmin> firstAdmin(Handle h) {
        return h.createQuery("""
                select m.workspace_id, m.user_id from memberships m join workspaces w on w.id = m.workspace_id
                where m.role = 'admin' order by w.created_at, m.user_id limit 1
                """)
                .map((rs, ctx) -> new FirstAdmin(rs.getString(1), rs.getString(2)))
                .findOne();
    }

    private record FirstAdmin(String workspaceId, String userId) {
    }

    /** What the first start generated: the admin's API key and password, each null when it came from the environment. */
    public record Result(String apiKey, String adminPassword) {
    }
}
