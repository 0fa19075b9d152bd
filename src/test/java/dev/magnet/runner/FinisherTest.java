package dev.magnet.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnet.auth.ApiKeys;
import dev.magnet.auth.Bootstrap;
import dev.magnet.config.MagnetConfig;
import dev.magnet.events.Event;
import dev.magnet.events.EventHub;
import dev.magnet.events.EventLog;
import dev.magnet.events.EventType;
import dev.magnet.events.Redactor;
import dev.magnet.git.GitIdentity;
import dev.magnet.git.Mirrors;
import dev.magnet.git.OriginPolicy;
import dev.magnet.git.RepoUrl;
import dev.magnet.git.SessionRepo;
import dev.magnet.git.SessionRepos;
import dev.magnet.git.Git;
import dev.magnet.git.WorkspaceTransfer;
import dev.magnet.net.AddressPolicy;
import dev.magnet.session.Author;
import dev.magnet.session.FailureReason;
import dev.magnet.session.Session;
import dev.magnet.session.SessionMessage;
import dev.magnet.session.SessionStore;
import dev.magnet.store.Database;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.SessionBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finishing a turn's work, with a fake sandbox whose helpers run for real in a local workspace folder, a real
 * database (H2) and real git.
 */
class FinisherTest {
    @TempDir
    Path dir;
    private Database db;
    private SessionStore store;
    private Finisher finisher;
    private Provisioner provisioner;
    private SessionRepos repos;
    private FakeSandbox sandbox;
    private Path origin;
    private Author admin;
    private String workspaceId;

    @BeforeEach
    void setUp() throws Exception {
        db = Database.open(MagnetConfig.h2UrlFor(dir.resolve("db")));
        Bootstrap bootstrap = new Bootstrap(db.jdbi(), new ApiKeys(db.jdbi(), Clock.systemUTC()), Clock.systemUTC());
        bootstrap.ensureFirstWorkspace("mgt_finisher_test_key_1", null);
        workspaceId = bootstrap.firstWorkspaceId();
        Map<String, Object> user = db.jdbi().withHandle(h -> h.createQuery("select id, name, email from users").mapToMap().one());
        admin = new Author((String) user.get("id"), (String) user.get("name"), (String) user.get("email"));
        store = new SessionStore(db.jdbi(), new EventLog(db.jdbi(), new EventHub(), new Redactor(), Clock.systemUTC()),
                Clock.systemUTC());
        Path data = Files.createDirectories(dir.resolve("data"));
        Git git = new Git();
        repos = new SessionRepos(git, new Mirrors(git, data),
                new OriginPolicy(true, List.of(dir), data, AddressPolicy.of(List.of())));
        WorkspaceTransfer transfer = new WorkspaceTransfer(Duration.ofMinutes(1));
        provisioner = new Provisioner(new dev.magnet.sandbox.SandboxProvider() {
            @Override
            public dev.magnet.sandbox.Sandbox create(dev.magnet.sandbox.SandboxSpec spec) {
                return sandbox;
            }

            @Override
            public String name() {
                return "fake";
            }
        }, repos, transfer, GitIdentity.MAGNET);
        finisher = new Finisher(transfer, store, null, GitIdentity.MAGNET, 64L * 1024 * 1024, UnaryOperator.identity(),
                Clock.systemUTC());
        sandbox = new FakeSandbox(dir.resolve("sandbox"));
        for (Path p : List.of(sandbox.spec().workspace(), sandbox.spec().home(), sandbox.spec().tmp())) {
            Files.createDirectories(p);
        }
        origin = GitFixtures.bareOrigin(dir, 3);
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void finishing_commits_the_leftovers_stores_the_diff_and_pushes_only_the_session_branch() throws Exception {
        Session s = stored(SessionBuilder.aSession().withRepo(origin.toString()));
        SessionRepo repo = seeded(s, Optional.of(localOrigin()));
        Files.writeString(sandbox.spec().workspace().resolve("left.txt"), "left over\n");

        finisher.finish(s, sandbox, repo, Optional.of(localOrigin()), Map.of());

        assertThat(GitFixtures.git(origin, "show", s.branch() + ":left.txt")).isEqualTo("left over\n");
        assertThat(GitFixtures.branches(origin)).containsExactlyInAnyOrder("main", s.branch());
        assertThat(store.diff(s.id())).hasValueSatisfying(d -> assertThat(d.diff()).contains("+left over"));
        Session after = store.find(s.id()).orElseThrow();
        assertThat(after.pushedCommit()).isEqualTo(repo.branchCommit().orElseThrow());
        List<Event> status = store.eventsOfTypes(s.id(), List.of(EventType.STATUS));
        assertThat(status.getLast().data()).containsEntry("pushed", true).containsEntry("branch", s.branch());
    }

    @Test
    void a_session_without_a_repository_keeps_its_diff_and_pushes_nothing() throws Exception {
        Session s = stored(SessionBuilder.aSession());
        SessionRepo repo = seeded(s, Optional.empty());
        Files.writeString(sandbox.spec().workspace().resolve("notes.md"), "# Notes\n");

        finisher.finish(s, sandbox, repo, Optional.empty(), Map.of());

        assertThat(store.diff(s.id())).hasValueSatisfying(d -> assertThat(d.diff()).contains("+# Notes"));
        assertThat(store.find(s.id()).orElseThrow().pushedCommit()).isNull();
    }

    @Test
    void a_workspace_left_on_another_branch_fails_with_agent_error_and_pushes_nothing() throws Exception {
        Session s = stored(SessionBuilder.aSession().withRepo(origin.toString()));
        SessionRepo repo = seeded(s, Optional.of(localOrigin()));
        GitFixtures.git(sandbox.spec().workspace(), "checkout", "-q", "-b", "elsewhere");

        assertThatThrownBy(() -> finisher.finish(s, sandbox, repo, Optional.of(localOrigin()), Map.of()))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.reason()).isEqualTo(FailureReason.AGENT_ERROR))
                .hasMessageContaining("not on the session branch");
        assertThat(GitFixtures.branches(origin)).containsExactly("main");
    }

    @Test
    void a_branch_that_moved_on_the_origin_is_never_overwritten_and_fails_push_rejected() throws Exception {
        Session s = stored(SessionBuilder.aSession().withRepo(origin.toString()));
        SessionRepo repo = seeded(s, Optional.of(localOrigin()));
        Files.writeString(sandbox.spec().workspace().resolve("a.txt"), "a\n");
        finisher.finish(s, sandbox, repo, Optional.of(localOrigin()), Map.of());
        Path someoneElse = dir.resolve("someone-else");
        GitFixtures.git(dir, "clone", "-q", "--branch", s.branch(), origin.toString(), someoneElse.toString());
        Files.writeString(someoneElse.resolve("theirs.txt"), "theirs\n");
        GitFixtures.git(someoneElse, "add", "-A");
        GitFixtures.git(someoneElse, "-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-qm", "Theirs");
        GitFixtures.git(someoneElse, "push", "-q", "origin", s.branch());
        String theirs = GitFixtures.git(origin, "rev-parse", s.branch()).strip();
        Files.writeString(sandbox.spec().workspace().resolve("b.txt"), "b\n");

        assertThatThrownBy(() -> finisher.finish(s, sandbox, repo, Optional.of(localOrigin()), Map.of()))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.reason()).isEqualTo(FailureReason.PUSH_REJECTED));
        assertThat(GitFixtures.git(origin, "rev-parse", s.branch()).strip()).isEqualTo(theirs);
    }

    @Test
    void an_origin_that_is_gone_when_the_branch_is_pushed_fails_push_rejected_saying_to_retry() throws Exception {
        Session s = stored(SessionBuilder.aSession().withRepo(origin.toString()));
        SessionRepo repo = seeded(s, Optional.of(localOrigin()));
        Files.writeString(sandbox.spec().workspace().resolve("a.txt"), "a\n");
        Files.move(origin, dir.resolve("moved-away.git"));

        assertThatThrownBy(() -> finisher.finish(s, sandbox, repo, Optional.of(localOrigin()), Map.of()))
                .isInstanceOfSatisfying(StepFailure.class, f -> assertThat(f.reason()).isEqualTo(FailureReason.PUSH_REJECTED))
                .hasMessageContaining("Could not push " + s.branch()).hasMessageContaining("does not exist")
                .hasMessageContaining("retry the session once the origin answers again");
        assertThat(store.diff(s.id())).as("the diff is kept").hasValueSatisfying(d -> assertThat(d.diff()).contains("+a"));
    }

    private Origin localOrigin() {
        return new Origin(RepoUrl.parse(origin.toString(), true), null, null, null);
    }

    private Session stored(SessionBuilder builder) {
        Session s = builder.inWorkspace(workspaceId).by(admin).build();
        store.create(s, new SessionMessage(dev.magnet.store.Ids.newId(), s.id(), admin, s.prompt(),
                SessionMessage.State.QUEUED, Instant.now()), List.of(SessionStore.statusEvent(s)));
        return s;
    }

    private SessionRepo seeded(Session s, Optional<Origin> from) throws StepFailure {
        SessionPaths paths = new SessionPaths(dir.resolve("data/sessions").resolve(s.id()), sandbox.spec().workspace(),
                sandbox.spec().home(), sandbox.spec().tmp(), sandbox.spec().run(), dir.resolve("data/sessions").resolve(s.id())
                .resolve("repo.git"));
        return provisioner.cloneInto(sandbox, s, paths, from);
    }
}
