package dev.magnet.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnet.auth.ApiKeys;
import dev.magnet.auth.Bootstrap;
import dev.magnet.events.Event;
import dev.magnet.events.EventHub;
import dev.magnet.events.EventLog;
import dev.magnet.events.EventData;
import dev.magnet.testing.SessionBuilder;
import dev.magnet.events.NewEvent;
import dev.magnet.events.Redactor;
import dev.magnet.session.Author;
import dev.magnet.session.ConcurrentUpdateException;
import dev.magnet.session.FailureReason;
import dev.magnet.session.LastTurn;
import dev.magnet.session.MessageRepository;
import dev.magnet.session.Phase;
import dev.magnet.session.Session;
import dev.magnet.session.SessionMessage;
import dev.magnet.session.SessionPage;
import dev.magnet.session.SessionQuery;
import dev.magnet.session.SessionRepository;
import dev.magnet.session.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The persistence contract, run against every supported database: each dialect extends this class and says
 * how to open a fresh, empty database.
 */
abstract class SessionRepositoryContract {
    protected Database db;
    private final SessionRepository sessions = new SessionRepository();
    private final MessageRepository messages = new MessageRepository();
    private EventLog events;
    private Author author;
    private String workspaceId;

    /** A JDBC URL of a fresh, empty database of the dialect under test. */
    protected abstract String freshDatabaseUrl();

    @BeforeEach
    void openDatabase() {
        db = Database.open(freshDatabaseUrl());
        new Bootstrap(db.jdbi(), new ApiKeys(db.jdbi(), Clock.systemUTC()), Clock.systemUTC()).ensureFirstWorkspace("mgt_contract_key_123");
        Map<String, Object> admin = db.jdbi().withHandle(h -> h.createQuery(
                "select m.workspace_id, u.id, u.name, u.email from memberships m join users u on u.id = m.user_id").mapToMap().one());
        workspaceId = (String) admin.get("workspace_id");
        author = new Author((String) admin.get("id"), (String) admin.get("name"), (String) admin.get("email"));
        events = new EventLog(db.jdbi(), new EventHub(), new Redactor(), Clock.systemUTC());
    }

    @AfterEach
    void closeDatabase() {
        db.close();
    }

    @Test
    void a_stored_session_reads_back_with_its_history() {
        Session s = newSession("Fix the login bug", Instant.now());
        db.jdbi().useTransaction(h -> sessions.insert(h, s));

        Session read = db.jdbi().withHandle(h -> sessions.find(h, s.id(), false)).orElseThrow();
        assertThat(read.title()).isEqualTo("Fix the login bug");
        assertThat(read.status()).isEqualTo(Status.ACTIVE);
        assertThat(read.phase()).isEqualTo(Phase.QUEUED);
        assertThat(read.author()).isEqualTo(author);
        assertThat(read.history()).hasSize(1);
        assertThat(read.createdAt()).isCloseTo(s.createdAt(), org.assertj.core.api.Assertions.within(1, ChronoUnit.MILLIS));
    }

    @Test
    void how_the_last_turn_stands_and_the_pushed_commit_are_stored_with_the_session() {
        Session s = newSession("Facts", Instant.now());
        db.jdbi().useTransaction(h -> sessions.insert(h, s));
        Session loaded = db.jdbi().withHandle(h -> sessions.find(h, s.id(), true)).orElseThrow();
        assertThat(loaded.lastTurn()).isNull();
        assertThat(loaded.pushedCommit()).isNull();

        db.jdbi().useTransaction(h -> sessions.update(h, loaded.withLastTurn(LastTurn.SUCCEEDED, Instant.now())
                .withPushed("0123456789abcdef0123456789abcdef01234567", Instant.now())));

        Session read = db.jdbi().withHandle(h -> sessions.find(h, s.id(), false)).orElseThrow();
        assertThat(read.lastTurn()).isEqualTo(LastTurn.SUCCEEDED);
        assertThat(read.pushedCommit()).isEqualTo("0123456789abcdef0123456789abcdef01234567");
    }

    @Test
    void transitions_are_stored_with_their_history_and_a_stale_update_is_refused() {
        Session s = newSession("Work", Instant.now());
        db.jdbi().useTransaction(h -> sessions.insert(h, s));
        Session loaded = db.jdbi().withHandle(h -> sessions.find(h, s.id(), true)).orElseThrow();
        Session moved = db.jdbi().inTransaction(h -> sessions.update(h, loaded.moveTo(Phase.PROVISIONING, "claimed", Instant.now())));
        Session failed = db.jdbi().inTransaction(h -> sessions.update(h,
                moved.fail(FailureReason.CLONE_FAILED, "repo gone", Instant.now())));

        Session read = db.jdbi().withHandle(h -> sessions.find(h, s.id(), false)).orElseThrow();
        assertThat(read.status()).isEqualTo(Status.FAILED);
        assertThat(read.failure().reason()).isEqualTo(FailureReason.CLONE_FAILED);
        assertThat(read.failure().phase()).isEqualTo(Phase.PROVISIONING);
        assertThat(read.history()).extracting(c -> c.phase()).containsExactly(Phase.QUEUED, Phase.PROVISIONING, Phase.DONE);
        assertThat(read.version()).isEqualTo(failed.version());
        assertThatThrownBy(() -> db.jdbi().useTransaction(h -> sessions.update(h, loaded.withTitle("late", Instant.now()))))
                .isInstanceOf(ConcurrentUpdateException.class);
    }

    @Test
    void listing_is_newest_first_with_cursor_paging_and_filters() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Session s = newSession(i % 2 == 0 ? "Alpha task " + i : "Beta task " + i, Instant.now());
            db.jdbi().useTransaction(h -> sessions.insert(h, s));
            ids.add(s.id());
        }
        SessionPage first = db.jdbi().withHandle(h -> sessions.list(h, new SessionQuery(workspaceId, null, null, null, null, 2, null)));
        assertThat(first.sessions()).extracting(Session::id).containsExactly(ids.get(4), ids.get(3));
        SessionPage second = db.jdbi().withHandle(h -> sessions.list(h,
                new SessionQuery(workspaceId, null, null, null, null, 2, first.nextCursor())));
        assertThat(second.sessions()).extracting(Session::id).containsExactly(ids.get(2), ids.get(1));
        SessionPage text = db.jdbi().withHandle(h -> sessions.list(h, new SessionQuery(workspaceId, null, null, null, "alpha", 50, null)));
        assertThat(text.sessions()).hasSize(3);
        SessionPage byAuthor = db.jdbi().withHandle(h -> sessions.list(h,
                new SessionQuery(workspaceId, Status.ACTIVE, null, author.name(), null, 50, null)));
        assertThat(byAuthor.sessions()).hasSize(5);
        SessionPage otherWorkspace = db.jdbi().withHandle(h -> sessions.list(h,
                new SessionQuery(Ids.newId(), null, null, null, null, 50, null)));
        assertThat(otherWorkspace.sessions()).isEmpty();
    }

    @Test
    void events_get_consecutive_numbers_even_when_written_concurrently() throws Exception {
        Session s = newSession("Busy", Instant.now());
        db.jdbi().useTransaction(h -> sessions.insert(h, s));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> writes = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                writes.add(pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        events.appendAndPublish(s.id(), List.of(NewEvent.of(new EventData.Text("x", null, false, null))));
                    }
                }));
            }
            for (Future<?> f : writes) {
                f.get();
            }
        }
        List<Event> all = events.after(s.id(), 0, 1000);
        assertThat(all).extracting(Event::seq).containsExactlyElementsOf(
                java.util.stream.LongStream.rangeClosed(1, 100).boxed().toList());
        assertThat(events.after(s.id(), 98, 10)).extracting(Event::seq).containsExactly(99L, 100L);
    }

    @Test
    void queued_messages_are_kept_until_delivered() {
        Session s = newSession("Chat", Instant.now());
        SessionMessage m1 = new SessionMessage(Ids.newId(), s.id(), author, "first", SessionMessage.State.QUEUED, Instant.now());
        SessionMessage m2 = new SessionMessage(Ids.newId(), s.id(), author, "second", SessionMessage.State.QUEUED, Instant.now());
        db.jdbi().useTransaction(h -> {
            sessions.insert(h, s);
            messages.insert(h, m1);
            messages.insert(h, m2);
        });
        assertThat(queued(s.id())).extracting(SessionMessage::text).containsExactly("first", "second");
        assertThat(delivered(m1.id())).isTrue();
        assertThat(delivered(m1.id())).isFalse();
        assertThat(queued(s.id())).extracting(SessionMessage::text).containsExactly("second");
    }

    @Test
    void a_session_is_claimed_by_one_runner_until_its_lease_lapses() {
        Session s = newSession("Claim me", Instant.now());
        db.jdbi().useTransaction(h -> sessions.insert(h, s));
        Instant now = Instant.now();
        assertThat(claimable(now)).contains(s.id());
        assertThat(claim(s.id(), "a", now)).isTrue();
        assertThat(claim(s.id(), "b", now)).isFalse();
        assertThat(claimable(now)).doesNotContain(s.id());
        Instant later = now.plus(Duration.ofSeconds(31));
        assertThat(claimable(later)).contains(s.id());
        assertThat(claim(s.id(), "b", later)).isTrue();
    }

    @Test
    void api_keys_are_stored_only_as_hashes() {
        List<Map<String, Object>> keys = db.jdbi().withHandle(h -> h.createQuery("select * from api_keys").mapToMap().list());
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).values().toString()).doesNotContain("mgt_contract_key_123");
        assertThat(new ApiKeys(db.jdbi(), Clock.systemUTC()).authenticate("mgt_contract_key_123")).isPresent();
        assertThat(new ApiKeys(db.jdbi(), Clock.systemUTC()).authenticate("mgt_contract_key_124")).isEmpty();
    }

    private List<SessionMessage> queued(String sessionId) {
        return db.jdbi().withHandle(h -> messages.queued(h, sessionId));
    }

    private boolean delivered(String messageId) {
        return db.jdbi().inTransaction(h -> messages.markDelivered(h, messageId, Instant.now()));
    }

    private List<String> claimable(Instant now) {
        return db.jdbi().withHandle(h -> sessions.claimable(h, now, 10));
    }

    private boolean claim(String id, String runner, Instant now) {
        return db.jdbi().withHandle(h -> sessions.claim(h, id, runner, now, now.plusSeconds(30)));
    }

    private Session newSession(String title, Instant at) {
        return SessionBuilder.aSession().inWorkspace(workspaceId).by(author).titled(title).withPrompt("prompt of " + title)
                .createdAt(at).build();
    }
}
