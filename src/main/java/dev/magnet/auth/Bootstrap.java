package dev.magnet.auth;

import dev.magnet.support.Ids;
import java.time.Clock;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First start of a fresh install (SPEC §6): creates the first workspace, its admin and the admin's API key.
 * The key is {@code MAGNET_BOOTSTRAP_API_KEY} when set; otherwise a new one, printed once.
 */
public final class Bootstrap {
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
     * Creates the first workspace and admin if there is none yet; with a bootstrap key on a later start,
     * makes sure that key exists for the first admin.
     *
     * @return the generated key to show the operator, or null when none was generated
     */
    public String ensureFirstWorkspace(String bootstrapKey) {
        return jdbi.inTransaction(h -> {
            long workspaces = h.createQuery("select count(*) from workspaces").mapTo(Long.class).one();
            if (workspaces > 0) {
                if (bootstrapKey != null) {
                    ensureKeyForFirstAdmin(h, bootstrapKey);
                }
                return null;
            }
            Instant now = clock.instant();
            String workspaceId = Ids.newId();
            String userId = Ids.newId();
            h.createUpdate("insert into workspaces (id, name, created_at) values (:id, 'Default', :at)")
                    .bind("id", workspaceId).bind("at", now).execute();
            h.createUpdate("insert into users (id, name, email, created_at) values (:id, 'admin', 'admin@localhost', :at)")
                    .bind("id", userId).bind("at", now).execute();
            h.createUpdate("insert into memberships (workspace_id, user_id, role) values (:ws, :user, 'admin')")
                    .bind("ws", workspaceId).bind("user", userId).execute();
            String key = bootstrapKey != null ? bootstrapKey : ApiKeys.newKey();
            apiKeys.store(h, workspaceId, userId, "bootstrap", key);
            log.info("Created the first workspace 'Default' with user 'admin'");
            return bootstrapKey != null ? null : key;
        });
    }

    private void ensureKeyForFirstAdmin(org.jdbi.v3.core.Handle h, String key) {
        boolean exists = h.createQuery("select count(*) from api_keys where key_hash = :hash")
                .bind("hash", ApiKeys.hash(key)).mapTo(Long.class).one() > 0;
        if (exists) {
            return;
        }
        var admin = h.createQuery("""
                select m.workspace_id, m.user_id from memberships m join workspaces w on w.id = m.workspace_id
                where m.role = 'admin' order by w.created_at, m.user_id limit 1
                """)
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)})
                .one();
        apiKeys.store(h, admin[0], admin[1], "bootstrap", key);
    }
}
