package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.auth.ApiKeys;
import dev.magnet.auth.Bootstrap;
import dev.magnet.config.MagnetConfig;
import dev.magnet.session.Author;
import dev.magnet.session.Session;
import dev.magnet.session.SessionRepository;
import dev.magnet.store.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding dead runners and handing their sessions over (on the embedded database). */
class RunnersTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private final SessionRepository sessions = new SessionRepository();
    private final Instant now = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path dir;
    private Database db;
    private Author author;
    private String workspaceId;

    @BeforeEach
    void openDatabase() {
        db = Database.open(MagnetConfig.h2UrlFor(dir));
        new Bootstrap(db.jdbi(), new ApiKeys(db.jdbi(), Clock.systemUTC()), Clock.systemUTC()).ensureFirstWorkspace("mgt_runners_key_123");
        Map<String, Object> admin = db.jdbi().withHandle(h -> h.createQuery(
                "select m.workspace_id, u.id, u.name, u.email from memberships m join users u on u.id = m.user_id").mapToMap().one());
        workspaceId = (String) admin.get("workspace_id");
        author = new Author((String) admin.get("id"), (String) admin.get("name"), (String) admin.get("email"));
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void the_sessions_a_runner_of_this_host_held_when_it_died_are_handed_over_to_kill_what_their_sandboxes_left() {
        new Runners(db.jdbi(), "runner-dead", LEASE).register(now.minus(LEASE.multipliedBy(2)));
        String held = sessionHeldBy("runner-dead");
        String other = sessionHeldBy("runner-me");
        List<String> leftovers = new ArrayList<>();

        List<Runners.Dead> dead = new Runners(db.jdbi(), "runner-me", LEASE).takeOverDead(now, leftovers::add);

        assertThat(dead).singleElement().satisfies(d -> {
            assertThat(d.runnerId()).isEqualTo("runner-dead");
            assertThat(d.onThisHost()).isTrue();
            assertThat(d.sessions()).isEqualTo(1);
        });
        assertThat(leftovers).containsExactly(held).doesNotContain(other);
        assertThat(leaseOf(held)).isBefore(now);
        assertThat(new Runners(db.jdbi(), "runner-me", LEASE).takeOverDead(now, leftovers::add))
                .as("a runner is taken over once").isEmpty();
    }

    @Test
    void the_sessions_of_a_dead_runner_of_another_host_are_freed_but_nothing_is_killed_here() {
        db.jdbi().useHandle(h -> h.createUpdate("insert into runners (id, host, pid, started_at, heartbeat_at) "
                        + "values ('runner-far', 'elsewhere/pid:[1]', 1, :at, :at)")
                .bind("at", now.minus(LEASE.multipliedBy(2))).execute());
        String held = sessionHeldBy("runner-far");
        List<String> leftovers = new ArrayList<>();

        List<Runners.Dead> dead = new Runners(db.jdbi(), "runner-me", LEASE).takeOverDead(now, leftovers::add);

        assertThat(dead).singleElement().satisfies(d -> assertThat(d.onThisHost()).isFalse());
        assertThat(leftovers).isEmpty();
        assertThat(leaseOf(held)).isBefore(now);
    }

    private String sessionHeldBy(String runnerId) {
        Session s = dev.magnet.testing.SessionBuilder.aSession().inWorkspace(workspaceId).by(author).build();
        db.jdbi().useTransaction(h -> {
            sessions.insert(h, s);
            assertThat(sessions.claim(h, s.id(), runnerId, now, now.plus(LEASE))).isTrue();
        });
        return s.id();
    }

    private Instant leaseOf(String sessionId) {
        return db.jdbi().withHandle(h -> h.createQuery("select lease_until from sessions where id = :id")
                .bind("id", sessionId).mapTo(Instant.class).one());
    }
}
