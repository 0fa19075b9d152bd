package dev.magnet.git;

import static dev.magnet.git.SessionGitFixture.SESSION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The session repository: what it takes from a workspace, and how it pushes. */
class SessionRepoTest {
    @RegisterExtension
    final SessionGitFixture f = new SessionGitFixture();

    @Test
    void heads_name_the_base_and_the_branch_tip_and_files_at_the_base_are_blobs_only() throws Exception {
        SessionRepo repo = f.repo(f.origin);
        String readme = TestRepos.GIT.in(f.origin).run("rev-parse", "main:README.md").line();

        SessionRepo.Heads heads = repo.heads(java.util.List.of("README.md", "src", "missing.txt", "src/App.java"));

        assertThat(heads.hasBase()).isTrue();
        assertThat(heads.branchTip()).contains(repo.baseCommit());
        assertThat(repo.knownCommits()).containsExactly(repo.baseCommit());
        assertThat(repo.blobAtBase("README.md")).contains(readme);
        assertThat(repo.hasFileAtBase("src/App.java")).isTrue();
        assertThat(repo.hasFileAtBase("src")).as("a folder is not a file").isFalse();
        assertThat(repo.hasFileAtBase("missing.txt")).isFalse();
        assertThat(repo.hasFileAtBase("notes.txt")).as("looked up on its own when not asked for before").isTrue();
        assertThat(repo.hasFileAtBase("DEVELOP.md")).as("only on develop").isFalse();
    }

    @Test
    void a_pack_that_lacks_an_object_its_commits_need_is_refused_and_the_branch_stays() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        TestRepos.write(f.workspace, "a.txt", "a\n");
        TestRepos.write(f.workspace, "b.txt", "b\n");
        f.agent("add", "-A");
        f.agent("commit", "-qm", "Two files");
        String tip = f.agent("rev-parse", "HEAD");
        String blob = f.agent("rev-parse", "HEAD:b.txt");
        String objects = f.agent("rev-list", "--objects", tip, "^" + repo.baseCommit());
        StringBuilder wanted = new StringBuilder();
        objects.lines().map(l -> l.split(" ")[0]).filter(o -> !o.equals(blob)).forEach(o -> wanted.append(o).append('\n'));
        byte[] pack = pack(wanted.toString(), false);

        assertThatThrownBy(() -> repo.importPack(new ByteArrayInputStream(pack), tip, 1 << 20))
                .isInstanceOf(GitException.class).hasMessageContaining("refused");
        assertThat(repo.branchCommit()).contains(repo.baseCommit());
    }

    @Test
    void a_pack_larger_than_the_bound_is_refused_without_reading_it_all() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        byte[] big = new byte[3 * 1024 * 1024];
        new java.util.Random(1).nextBytes(big);
        Files.write(f.workspace.resolve("big.bin"), big);
        f.agent("add", "-A");
        f.agent("commit", "-qm", "Big");
        String tip = f.agent("rev-parse", "HEAD");
        byte[] pack = pack(tip + "\n^" + repo.baseCommit() + "\n", true);

        assertThatThrownBy(() -> repo.importPack(new ByteArrayInputStream(pack), tip, 1024 * 1024))
                .isInstanceOf(GitException.class).hasMessageContaining("more than 1 MiB");
        assertThat(repo.branchCommit()).contains(repo.baseCommit());
    }

    @Test
    void a_tip_that_is_not_a_commit_or_not_an_id_is_refused() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        String blob = f.agent("rev-parse", "HEAD:README.md");

        assertThatThrownBy(() -> repo.importPack(null, blob, 1 << 20)).isInstanceOf(GitException.class)
                .hasMessageContaining("is not a commit");
        assertThatThrownBy(() -> repo.importPack(null, "HEAD; rm -rf /", 1 << 20)).isInstanceOf(GitException.class)
                .hasMessageContaining("not a commit id");
        assertThatThrownBy(() -> repo.importPack(new ByteArrayInputStream("garbage".getBytes()), "0".repeat(40), 1 << 20))
                .isInstanceOf(GitException.class).hasMessageContaining("refused");
        assertThat(repo.branchCommit()).contains(repo.baseCommit());
    }

    @Test
    void a_session_branch_is_pushed_as_exactly_that_branch_to_a_bare_origin() throws Exception {
        Path bare = TestRepos.bareOrigin(f.origin, f.root.resolve("bare.git"));
        SessionRepo repo = f.seeded(bare);
        Map<String, String> before = refs(bare);
        TestRepos.write(f.workspace, "src/App.java", "class App {}\n");
        String tip = f.handOver(repo).tip();

        PushResult result = repo.push(RepoUrl.parse(bare.toString(), true), GitAuth.NONE);

        assertThat(result).isEqualTo(new PushResult(SESSION, tip, PushResult.Outcome.CREATED));
        Map<String, String> expected = new LinkedHashMap<>(before);
        expected.put(SESSION.ref(), tip);
        assertThat(refs(bare)).isEqualTo(expected);
    }

    @Test
    void pushing_to_a_non_bare_origin_with_main_checked_out_leaves_main_and_its_files_alone() throws Exception {
        SessionRepo repo = f.seeded(f.origin);
        String mainBefore = TestRepos.head(f.origin, "main");
        TestRepos.write(f.workspace, "src/App.java", "class App {}\n");
        String tip = f.handOver(repo).tip();

        repo.push(RepoUrl.parse(f.origin.toString(), true), GitAuth.NONE);

        assertThat(TestRepos.head(f.origin, "main")).isEqualTo(mainBefore);
        assertThat(TestRepos.head(f.origin, SESSION.ref())).isEqualTo(tip);
        assertThat(TestRepos.GIT.in(f.origin).run("status", "--porcelain").stdout()).isEmpty();
    }

    @Test
    void pushing_again_is_up_to_date_and_a_later_commit_fast_forwards() throws Exception {
        Path bare = TestRepos.bareOrigin(f.origin, f.root.resolve("bare.git"));
        RepoUrl target = RepoUrl.parse(bare.toString(), true);
        SessionRepo repo = f.seeded(bare);
        TestRepos.write(f.workspace, "a.txt", "a\n");
        f.handOver(repo);
        repo.push(target, GitAuth.NONE);

        assertThat(repo.push(target, GitAuth.NONE).outcome()).isEqualTo(PushResult.Outcome.UP_TO_DATE);

        TestRepos.write(f.workspace, "b.txt", "b\n");
        String tip = f.handOver(repo).tip();
        assertThat(repo.push(target, GitAuth.NONE).outcome()).isEqualTo(PushResult.Outcome.UPDATED);
        assertThat(TestRepos.head(bare, SESSION.ref())).isEqualTo(tip);
    }

    @Test
    void a_non_fast_forward_push_is_PUSH_REJECTED_and_never_forced() throws Exception {
        Path bare = TestRepos.bareOrigin(f.origin, f.root.resolve("bare.git"));
        RepoUrl target = RepoUrl.parse(bare.toString(), true);
        SessionRepo repo = f.seeded(bare);
        TestRepos.write(f.workspace, "a.txt", "a\n");
        f.handOver(repo);
        repo.push(target, GitAuth.NONE);
        String someoneElses = commitOnOriginBranch(bare, SESSION);
        TestRepos.write(f.workspace, "b.txt", "b\n");
        f.handOver(repo);

        assertThatThrownBy(() -> repo.push(target, GitAuth.NONE))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitException.Kind.PUSH_REJECTED);
                    assertThat(e).hasMessageContaining("rejected " + SESSION).hasMessageContaining("never force-pushes");
                });
        assertThat(TestRepos.head(bare, SESSION.ref())).isEqualTo(someoneElses);
    }

    @Test
    void no_hook_or_push_setting_of_a_local_origin_runs_when_it_is_pushed_to() throws Exception {
        Path bare = TestRepos.bareOrigin(f.origin, f.root.resolve("bare.git"));
        Path marker = f.root.resolve("origin-hook-ran");
        for (String name : new String[] {"pre-receive", "update", "post-receive", "post-update", "push-to-checkout"}) {
            hook(bare, name, "touch " + marker + "\nexit 1\n");
        }
        TestRepos.GIT.in(bare).run("config", "receive.denyCurrentBranch", "updateInstead");
        SessionRepo repo = f.seeded(bare);
        TestRepos.write(f.workspace, "a.txt", "a\n");
        String tip = f.handOver(repo).tip();

        repo.push(RepoUrl.parse(bare.toString(), true), GitAuth.NONE);

        assertThat(marker).doesNotExist();
        assertThat(TestRepos.head(bare, SESSION.ref())).isEqualTo(tip);
    }

    @Test
    void a_push_to_a_repository_that_does_not_exist_is_refused_naming_it() {
        SessionRepo repo = f.seeded(f.origin);
        Path gone = f.root.resolve("gone");

        assertThatThrownBy(() -> repo.push(RepoUrl.parse(gone.toString(), true), GitAuth.NONE))
                .isInstanceOf(GitException.class).hasMessageContaining(gone.toString());
    }

    @Test
    void the_base_branch_is_never_pushed() {
        BranchName main = BranchName.of("main");
        SessionRepo onBase = f.repos.open(f.spec(f.origin, null).dir(), main, main, TestRepos.head(f.origin, "main"));

        assertThatThrownBy(() -> onBase.push(RepoUrl.parse(f.origin.toString(), true), GitAuth.NONE))
                .isInstanceOfSatisfying(GitException.class,
                        e -> assertThat(e.kind()).isEqualTo(GitException.Kind.PUSH_REJECTED))
                .hasMessageContaining("it is the base branch");
    }

    private byte[] pack(String revs, boolean asRevs) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(asRevs
                ? java.util.List.of("git", "pack-objects", "--stdout", "--revs", "-q")
                : java.util.List.of("git", "pack-objects", "--stdout", "-q")).directory(f.workspace.toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(revs.getBytes());
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        return out;
    }

    /** Someone else pushes a commit onto {@code branch} in {@code bare}; returns that commit. */
    private String commitOnOriginBranch(Path bare, BranchName branch) throws Exception {
        Path other = f.root.resolve("someone-else");
        TestRepos.GIT.in(f.root).withProtocols("file").run("clone", "--quiet", "--branch", branch.value(), "--",
                bare.toString(), other.toString());
        TestRepos.write(other, "theirs.txt", "theirs\n");
        String commit = TestRepos.commit(other, "Their change");
        TestRepos.GIT.in(other).withProtocols("file").run("push", "--quiet", "origin", branch.value());
        return commit;
    }

    private static void hook(Path gitDir, String name, String script) throws Exception {
        Path hook = gitDir.resolve("hooks").resolve(name);
        Files.createDirectories(hook.getParent());
        Files.writeString(hook, "#!/bin/sh\n" + script);
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
}
