package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspacesTest {
    static final BranchName SESSION = BranchName.forSession("0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6", "Fix the answer");

    @TempDir
    Path tmp;
    Path origin;
    RepoUrl repo;
    Workspaces workspaces;

    @BeforeEach
    void setUp() throws Exception {
        origin = TestRepos.origin(tmp.resolve("origin"));
        repo = RepoUrl.parse(origin.toString(), true);
        workspaces = new Workspaces(TestRepos.GIT, new Mirrors(TestRepos.GIT, tmp.resolve("data")));
    }

    @Test
    void clone_of_a_local_origin_is_on_the_session_branch_at_the_base_commit() {
        Workspace ws = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), repo, null, SESSION));

        assertThat(ws.baseBranch()).isEqualTo(BranchName.of("main"));
        assertThat(ws.baseCommit()).isEqualTo(TestRepos.head(origin, "main"));
        assertThat(git(ws, "symbolic-ref", "HEAD")).isEqualTo(SESSION.ref());
        assertThat(TestRepos.head(ws.dir(), "HEAD")).isEqualTo(ws.baseCommit());
        assertThat(ws.dir().resolve("src/App.java")).exists();
        assertThat(ws.dir().resolve("DEVELOP.md")).doesNotExist();
        assertThat(git(ws, "status", "--porcelain")).isEmpty();
        assertThat(ws.hasCommitsBeyondBase()).isFalse();
    }

    @Test
    void origin_is_the_real_repository_not_the_mirror() {
        Workspace ws = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), repo, null, SESSION));

        assertThat(git(ws, "remote", "get-url", "origin")).isEqualTo(origin.toString());
        assertThat(git(ws, "rev-parse", "refs/remotes/origin/develop")).isEqualTo(TestRepos.head(origin, "develop"));
    }

    @Test
    void a_named_base_branch_is_where_the_session_starts() {
        Workspace ws = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), repo, BranchName.of("develop"), SESSION));

        assertThat(ws.baseCommit()).isEqualTo(TestRepos.head(origin, "develop"));
        assertThat(ws.dir().resolve("DEVELOP.md")).exists();
    }

    @Test
    void a_missing_base_branch_fails_with_BRANCH_NOT_FOUND_and_leaves_the_directory_empty() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ws"));

        assertThatThrownBy(() -> workspaces.create(WorkspaceSpec.of(dir, repo, BranchName.of("release/9"), SESSION)))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitException.Kind.BRANCH_NOT_FOUND);
                    assertThat(e).hasMessage("base branch 'release/9' does not exist in " + origin);
                });
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void a_nonexistent_repository_path_fails_with_REPO_NOT_FOUND() {
        RepoUrl missing = RepoUrl.parse(tmp.resolve("nope").toString(), true);

        assertThatThrownBy(() -> workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), missing, null, SESSION)))
                .isInstanceOfSatisfying(GitException.class,
                        e -> assertThat(e.kind()).isEqualTo(GitException.Kind.REPO_NOT_FOUND));
        assertThat(tmp.resolve("ws")).doesNotExist();
    }

    @Test
    void a_directory_that_is_not_empty_is_not_used() throws Exception {
        TestRepos.write(tmp.resolve("ws"), "something", "x");

        assertThatThrownBy(() -> workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), repo, null, SESSION)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be absent or empty");
    }

    @Test
    void without_a_repository_the_workspace_is_a_fresh_repository_with_one_empty_commit() {
        Workspace ws = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), null, null, SESSION));

        assertThat(ws.repo()).isEmpty();
        assertThat(ws.baseBranch()).isEqualTo(BranchName.of("main"));
        assertThat(git(ws, "symbolic-ref", "HEAD")).isEqualTo(SESSION.ref());
        assertThat(git(ws, "rev-list", "--count", "HEAD")).isEqualTo("1");
        assertThat(TestRepos.head(ws.dir(), "main")).isEqualTo(ws.baseCommit());
        assertThat(git(ws, "remote")).isEmpty();
        assertThat(ws.hasCommitsBeyondBase()).isFalse();
    }

    @Test
    void the_agent_can_commit_in_the_workspace_as_the_configured_identity() throws Exception {
        GitIdentity ada = new GitIdentity("Ada Lovelace", "ada@example.com");
        Workspace ws = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), repo, null, SESSION).withIdentity(ada));

        TestRepos.write(ws.dir(), "agent.txt", "made by the agent\n");
        TestRepos.GIT.in(ws.dir()).run("add", "agent.txt");
        TestRepos.GIT.in(ws.dir()).run("commit", "--quiet", "-m", "Agent commit");

        assertThat(git(ws, "log", "-1", "--format=%an <%ae>|%cn <%ce>")).isEqualTo(ada + "|" + ada);
        assertThat(ws.hasCommitsBeyondBase()).isTrue();
    }

    @Test
    void the_default_identity_is_the_magnet_bot() {
        Workspace ws = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), null, null, SESSION));

        assertThat(git(ws, "log", "-1", "--format=%an <%ae>")).isEqualTo("Magnet <magnet@localhost>");
    }

    @Test
    void a_workspace_reopened_later_is_on_its_session_branch_with_the_same_base() throws Exception {
        Workspace created = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), repo, null, SESSION));
        TestRepos.write(created.dir(), "work.txt", "first turn\n");
        created.commitLeftovers("First turn", null);

        Workspace reopened = workspaces.open(WorkspaceSpec.of(tmp.resolve("ws"), repo, BranchName.of("main"), SESSION));

        assertThat(reopened.baseCommit()).isEqualTo(created.baseCommit());
        assertThat(reopened.branchCommit()).isEqualTo(created.branchCommit());
        assertThat(reopened.hasCommitsBeyondBase()).isTrue();
    }

    @Test
    void reopening_a_directory_that_is_not_a_workspace_fails_clearly() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("not-a-workspace"));

        assertThatThrownBy(() -> workspaces.open(WorkspaceSpec.of(dir, repo, BranchName.of("main"), SESSION)))
                .isInstanceOfSatisfying(GitException.class, e -> assertThat(e.kind()).isEqualTo(GitException.Kind.FAILED))
                .hasMessageContaining("has no .git directory");
    }

    @Test
    void a_follow_up_after_the_workspace_is_gone_continues_the_pushed_branch() throws Exception {
        Workspace first = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws1"), repo, null, SESSION));
        TestRepos.write(first.dir(), "work.txt", "first turn\n");
        first.commitLeftovers("First turn", null);
        first.push(repo, GitAuth.NONE);

        Workspace again = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws2"), repo, null, SESSION));

        assertThat(again.branchCommit()).isEqualTo(first.branchCommit());
        assertThat(again.baseCommit()).isEqualTo(first.baseCommit());
        assertThat(again.dir().resolve("work.txt")).hasContent("first turn");
    }

    @Test
    void a_workspace_holds_its_own_objects_and_survives_the_mirror_going_away() {
        Workspace ws = workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), repo, null, SESSION));

        FileTrees.deleteRecursively(tmp.resolve("data"));

        assertThat(ws.dir().resolve(".git/objects/info/alternates")).doesNotExist();
        TestRepos.GIT.in(ws.dir()).run("fsck", "--no-progress");
    }

    private static String git(Workspace ws, String... args) {
        return TestRepos.GIT.in(ws.dir()).run(args).line();
    }
}
