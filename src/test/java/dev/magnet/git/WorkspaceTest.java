package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceTest {
    static final BranchName SESSION = BranchName.forSession("0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6", "Fix the answer");

    @TempDir
    Path tmp;
    Path origin;
    Workspaces workspaces;

    @BeforeEach
    void setUp() throws Exception {
        origin = TestRepos.origin(tmp.resolve("origin"));
        workspaces = new Workspaces(TestRepos.GIT, new Mirrors(TestRepos.GIT, tmp.resolve("data")));
    }

    @Test
    void leftovers_are_committed_on_the_session_branch_with_a_co_author_trailer() throws Exception {
        Workspace ws = workspace(origin);
        TestRepos.write(ws.dir(), "src/App.java", "class App {}\n");
        TestRepos.write(ws.dir(), "new/File.txt", "new\n");

        boolean committed = ws.commitLeftovers("Finish the session", new GitIdentity("Grace Hopper", "grace@example.com"));

        assertThat(committed).isTrue();
        assertThat(git(ws, "log", "-1", "--format=%B")).isEqualTo(
                "Finish the session\n\nCo-authored-by: Grace Hopper <grace@example.com>");
        assertThat(git(ws, "log", "-1", "--format=%an")).isEqualTo("Magnet");
        assertThat(git(ws, "status", "--porcelain")).isEmpty();
        assertThat(ws.hasCommitsBeyondBase()).isTrue();
    }

    @Test
    void with_nothing_left_over_no_commit_is_made() {
        Workspace ws = workspace(origin);

        assertThat(ws.commitLeftovers("Nothing", null)).isFalse();
        assertThat(ws.branchCommit()).isEqualTo(ws.baseCommit());
        assertThat(ws.hasCommitsBeyondBase()).isFalse();
    }

    @Test
    void leftovers_are_not_committed_when_the_agent_left_another_branch_checked_out() {
        Workspace ws = workspace(origin);
        TestRepos.GIT.in(ws.dir()).run("checkout", "--quiet", "-b", "agent-branch");

        assertThatThrownBy(() -> ws.commitLeftovers("Finish", null))
                .isInstanceOf(GitException.class)
                .hasMessageContaining("not on the session branch " + SESSION);
    }

    @Test
    void diff_and_stats_show_added_modified_deleted_renamed_and_binary_files() throws Exception {
        Workspace ws = workspace(origin);
        TestRepos.write(ws.dir(), "added.txt", "one\ntwo\n");
        TestRepos.write(ws.dir(), "src/App.java", "class App {\n    int answer() {\n        return 42;\n    }\n}\n");
        Files.delete(ws.dir().resolve("notes.txt"));
        Files.createDirectories(ws.dir().resolve("docs"));
        Files.move(ws.dir().resolve("README.md"), ws.dir().resolve("docs/README.md"));
        Files.write(ws.dir().resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff});
        ws.commitLeftovers("Change things", null);

        String diff = ws.diff();
        Map<String, ChangedFile> stats = new LinkedHashMap<>();
        ws.diffStats().forEach(file -> stats.put(file.path(), file));

        assertThat(diff)
                .contains("diff --git a/added.txt b/added.txt\nnew file mode 100644")
                .contains("-        return 41;\n+        return 42;")
                .contains("diff --git a/notes.txt b/notes.txt\ndeleted file mode 100644")
                .contains("rename from README.md\nrename to docs/README.md")
                .contains("Binary files /dev/null and b/logo.png differ");
        assertThat(stats).containsOnlyKeys("added.txt", "src/App.java", "notes.txt", "docs/README.md", "logo.png");
        assertThat(stats.get("added.txt")).isEqualTo(new ChangedFile("added.txt", null, ChangedFile.Change.ADDED, 2, 0, false));
        assertThat(stats.get("src/App.java"))
                .isEqualTo(new ChangedFile("src/App.java", null, ChangedFile.Change.MODIFIED, 1, 1, false));
        assertThat(stats.get("notes.txt")).isEqualTo(new ChangedFile("notes.txt", null, ChangedFile.Change.DELETED, 0, 1, false));
        assertThat(stats.get("docs/README.md"))
                .isEqualTo(new ChangedFile("docs/README.md", "README.md", ChangedFile.Change.RENAMED, 0, 0, false));
        assertThat(stats.get("logo.png")).isEqualTo(new ChangedFile("logo.png", null, ChangedFile.Change.ADDED, 0, 0, true));
    }

    @Test
    void the_diff_of_an_unchanged_session_is_empty() {
        Workspace ws = workspace(origin);

        assertThat(ws.diff()).isEmpty();
        assertThat(ws.diffStats()).isEmpty();
    }

    @Test
    void a_workspace_commit_is_pushed_as_exactly_the_session_branch_to_a_bare_origin() throws Exception {
        Path bare = TestRepos.bareOrigin(origin, tmp.resolve("bare.git"));
        Workspace ws = workspace(bare);
        Map<String, String> before = refs(bare);
        TestRepos.write(ws.dir(), "src/App.java", "class App {}\n");
        ws.commitLeftovers("Session work", null);

        PushResult result = ws.push(RepoUrl.parse(bare.toString(), true), GitAuth.NONE);

        assertThat(result).isEqualTo(new PushResult(SESSION, ws.branchCommit(), PushResult.Outcome.CREATED));
        Map<String, String> expected = new LinkedHashMap<>(before);
        expected.put(SESSION.ref(), ws.branchCommit());
        assertThat(refs(bare)).isEqualTo(expected);
    }

    @Test
    void pushing_to_a_non_bare_origin_with_main_checked_out_leaves_main_and_its_files_alone() throws Exception {
        Workspace ws = workspace(origin);
        String mainBefore = TestRepos.head(origin, "main");
        TestRepos.write(ws.dir(), "src/App.java", "class App {}\n");
        ws.commitLeftovers("Session work", null);

        ws.push(RepoUrl.parse(origin.toString(), true), GitAuth.NONE);

        assertThat(TestRepos.head(origin, "main")).isEqualTo(mainBefore);
        assertThat(TestRepos.head(origin, SESSION.ref())).isEqualTo(ws.branchCommit());
        assertThat(TestRepos.GIT.in(origin).run("status", "--porcelain").stdout()).isEmpty();
        assertThat(TestRepos.GIT.in(origin).run("symbolic-ref", "HEAD").line()).isEqualTo("refs/heads/main");
    }

    @Test
    void pushing_again_is_up_to_date_and_a_later_commit_fast_forwards() throws Exception {
        Path bare = TestRepos.bareOrigin(origin, tmp.resolve("bare.git"));
        RepoUrl target = RepoUrl.parse(bare.toString(), true);
        Workspace ws = workspace(bare);
        TestRepos.write(ws.dir(), "a.txt", "a\n");
        ws.commitLeftovers("First", null);
        ws.push(target, GitAuth.NONE);

        assertThat(ws.push(target, GitAuth.NONE).outcome()).isEqualTo(PushResult.Outcome.UP_TO_DATE);

        TestRepos.write(ws.dir(), "b.txt", "b\n");
        ws.commitLeftovers("Second", null);
        assertThat(ws.push(target, GitAuth.NONE).outcome()).isEqualTo(PushResult.Outcome.UPDATED);
        assertThat(TestRepos.head(bare, SESSION.ref())).isEqualTo(ws.branchCommit());
    }

    @Test
    void a_non_fast_forward_push_is_PUSH_REJECTED_and_never_forced() throws Exception {
        Path bare = TestRepos.bareOrigin(origin, tmp.resolve("bare.git"));
        RepoUrl target = RepoUrl.parse(bare.toString(), true);
        Workspace ws = workspace(bare);
        TestRepos.write(ws.dir(), "a.txt", "a\n");
        ws.commitLeftovers("Session work", null);
        ws.push(target, GitAuth.NONE);
        String someoneElses = commitOnOriginBranch(bare, SESSION);
        TestRepos.write(ws.dir(), "b.txt", "b\n");
        ws.commitLeftovers("More session work", null);

        assertThatThrownBy(() -> ws.push(target, GitAuth.NONE))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitException.Kind.PUSH_REJECTED);
                    assertThat(e).hasMessageContaining("rejected " + SESSION).hasMessageContaining("never force-pushes");
                });
        assertThat(TestRepos.head(bare, SESSION.ref())).isEqualTo(someoneElses);
    }

    @Test
    void a_push_declined_by_a_hook_is_PUSH_REJECTED_with_the_remote_message() throws Exception {
        Path bare = TestRepos.bareOrigin(origin, tmp.resolve("bare.git"));
        hook(bare, "pre-receive", "echo 'branch protection: pushes need review' >&2\nexit 1\n");
        Workspace ws = workspace(bare);
        TestRepos.write(ws.dir(), "a.txt", "a\n");
        ws.commitLeftovers("Session work", null);

        assertThatThrownBy(() -> ws.push(RepoUrl.parse(bare.toString(), true), GitAuth.NONE))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitException.Kind.PUSH_REJECTED);
                    assertThat(e).hasMessageContaining("pre-receive hook declined");
                    assertThat(e.gitOutput()).contains("branch protection: pushes need review");
                });
        assertThat(TestRepos.hasRef(bare, SESSION.ref())).isFalse();
    }

    @Test
    void an_origin_that_refuses_this_server_is_ACCESS_DENIED() throws Exception {
        Path bare = TestRepos.bareOrigin(origin, tmp.resolve("bare.git"));
        hook(bare, "pre-receive", "echo 'Permission to o/n.git denied to magnet-bot.' >&2\nexit 1\n");
        Workspace ws = workspace(bare);
        TestRepos.write(ws.dir(), "a.txt", "a\n");
        ws.commitLeftovers("Session work", null);

        assertThatThrownBy(() -> ws.push(RepoUrl.parse(bare.toString(), true), GitAuth.NONE))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitException.Kind.ACCESS_DENIED);
                    assertThat(e).hasMessageContaining("does not accept pushes of " + SESSION);
                });
    }

    @Test
    void a_push_to_a_repository_that_does_not_exist_is_REPO_NOT_FOUND() {
        Workspace ws = workspace(origin);

        assertThatThrownBy(() -> ws.push(RepoUrl.parse(tmp.resolve("gone").toString(), true), GitAuth.NONE))
                .isInstanceOfSatisfying(GitException.class,
                        e -> assertThat(e.kind()).isEqualTo(GitException.Kind.REPO_NOT_FOUND));
    }

    @Test
    void the_base_branch_is_never_pushed() {
        workspace(origin);
        BranchName main = BranchName.of("main");
        Workspace onBase = workspaces.open(WorkspaceSpec.of(tmp.resolve("ws"), RepoUrl.parse(origin.toString(), true), main, main));

        assertThatThrownBy(() -> onBase.push(RepoUrl.parse(origin.toString(), true), GitAuth.NONE))
                .isInstanceOfSatisfying(GitException.class,
                        e -> assertThat(e.kind()).isEqualTo(GitException.Kind.PUSH_REJECTED))
                .hasMessageContaining("it is the base branch");
    }

    @Test
    void settings_hooks_and_redirects_the_agent_left_in_git_do_not_run_on_the_server() throws Exception {
        Path bare = TestRepos.bareOrigin(origin, tmp.resolve("bare.git"));
        Path decoy = TestRepos.bareOrigin(origin, tmp.resolve("decoy.git"));
        Workspace ws = workspace(bare);
        Path marker = tmp.resolve("pwned");
        String touch = "#!/bin/sh\ntouch " + marker + "\n";
        hook(ws.dir().resolve(".git"), "pre-commit", touch);
        hook(ws.dir().resolve(".git"), "pre-push", touch);
        Files.writeString(tmp.resolve("monitor.sh"), touch);
        Files.setPosixFilePermissions(tmp.resolve("monitor.sh"), PosixFilePermissions.fromString("rwx------"));
        GitCommand agent = TestRepos.GIT.in(ws.dir());
        agent.run("config", "core.fsmonitor", tmp.resolve("monitor.sh").toString());
        agent.run("config", "url." + decoy + ".insteadOf", bare.toString());
        agent.run("config", "core.worktree", tmp.toString());
        TestRepos.write(ws.dir(), "a.txt", "a\n");

        ws.commitLeftovers("Session work", null);
        ws.push(RepoUrl.parse(bare.toString(), true), GitAuth.NONE);

        assertThat(marker).doesNotExist();
        assertThat(TestRepos.head(bare, SESSION.ref())).isEqualTo(ws.branchCommit());
        assertThat(TestRepos.hasRef(decoy, SESSION.ref())).isFalse();
        assertThat(git(ws, "show", "--name-only", "--format=", "HEAD")).isEqualTo("a.txt");
    }

    @Test
    void a_git_directory_holding_a_symbolic_link_is_refused() throws Exception {
        Workspace ws = workspace(origin);
        Path other = TestRepos.bareOrigin(origin, tmp.resolve("other.git"));
        Path refs = ws.dir().resolve(".git/refs/heads/magnet");
        Files.createSymbolicLink(refs.resolve("elsewhere"), other.resolve("refs/heads/main"));

        assertThatThrownBy(ws::diff)
                .isInstanceOf(GitException.class)
                .hasMessageContaining("symbolic link (refs/heads/magnet/elsewhere)");
        assertThatThrownBy(() -> ws.push(RepoUrl.parse(origin.toString(), true), GitAuth.NONE))
                .isInstanceOf(GitException.class);
    }

    private Workspace workspace(Path repo) {
        return workspaces.create(WorkspaceSpec.of(tmp.resolve("ws"), RepoUrl.parse(repo.toString(), true), null, SESSION));
    }

    /** Someone else pushes a commit onto {@code branch} in {@code bare}; returns that commit. */
    private String commitOnOriginBranch(Path bare, BranchName branch) throws Exception {
        Path other = tmp.resolve("someone-else");
        TestRepos.GIT.in(tmp).run("clone", "--quiet", "--branch", branch.value(), "--", bare.toString(), other.toString());
        TestRepos.write(other, "theirs.txt", "theirs\n");
        String commit = TestRepos.commit(other, "Their change");
        TestRepos.GIT.in(other).run("push", "--quiet", "origin", branch.value());
        return commit;
    }

    private static void hook(Path gitDir, String name, String script) throws Exception {
        Path hook = gitDir.resolve("hooks").resolve(name);
        Files.createDirectories(hook.getParent());
        Files.writeString(hook, script.startsWith("#!") ? script : "#!/bin/sh\n" + script);
        Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
    }

    private static Map<String, String> refs(Path repo) {
        Map<String, String> refs = new LinkedHashMap<>();
        for (String line : TestRepos.GIT.in(repo).run("for-each-ref", "--format=%(refname) %(objectname)").stdout().split("\n")) {
            if (!line.isBlank()) {
                String[] parts = line.split(" ");
                refs.put(parts[0], parts[1]);
            }
        }
        return refs;
    }

    private static String git(Workspace ws, String... args) {
        return TestRepos.GIT.in(ws.dir()).run(args).line();
    }
}
