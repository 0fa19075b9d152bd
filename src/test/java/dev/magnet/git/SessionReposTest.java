package dev.magnet.git;

import static dev.magnet.git.SessionGitFixture.SESSION;
import static dev.magnet.git.SessionGitFixture.TENANT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SessionReposTest {
    @RegisterExtension
    final SessionGitFixture f = new SessionGitFixture();

    @Test
    void a_session_repository_starts_the_session_branch_at_the_default_branch_of_the_origin() {
        SessionRepo repo = f.repo(f.origin);

        String main = TestRepos.head(f.origin, "main");
        assertThat(repo.baseBranch()).isEqualTo(BranchName.of("main"));
        assertThat(repo.baseCommit()).isEqualTo(main);
        assertThat(repo.branchCommit()).contains(main);
        assertThat(repo.hasCommitsBeyondBase()).isFalse();
        assertThat(f.inRepo(repo, "for-each-ref", "--format=%(refname)")).isEqualTo(
                SESSION.ref() + "\nrefs/heads/main\nrefs/magnet/base");
        assertThat(TestRepos.GIT.in(repo.dir()).tryRun("config", "--get-regexp", "remote\\..*").stdout()).isEmpty();
    }

    @Test
    void a_named_base_branch_is_where_the_session_starts() {
        SessionRepo repo = f.repos.create(f.spec(f.origin, BranchName.of("develop")));

        assertThat(repo.baseCommit()).isEqualTo(TestRepos.head(f.origin, "develop"));
    }

    @Test
    void a_missing_base_branch_fails_with_BRANCH_NOT_FOUND_and_leaves_nothing_behind() {
        assertThatThrownBy(() -> f.repos.create(f.spec(f.origin, BranchName.of("nope"))))
                .isInstanceOfSatisfying(GitException.class, e -> assertThat(e.kind()).isEqualTo(GitException.Kind.BRANCH_NOT_FOUND))
                .hasMessageContaining("base branch 'nope' does not exist");
        assertThat(f.spec(f.origin, null).dir()).doesNotExist();
    }

    @Test
    void a_repository_that_does_not_exist_fails_with_an_access_error_naming_it() {
        Path gone = f.root.resolve("gone");

        assertThatThrownBy(() -> f.repo(gone)).isInstanceOf(GitException.class).hasMessageContaining(gone.toString());
    }

    @Test
    void without_a_repository_the_session_starts_from_one_empty_commit_on_main() {
        SessionRepo repo = f.repo(null);

        assertThat(repo.baseBranch()).isEqualTo(BranchName.of("main"));
        assertThat(f.inRepo(repo, "log", "--format=%an %s", SESSION.ref())).isEqualTo("Magnet Initial commit");
        assertThat(f.inRepo(repo, "ls-tree", SESSION.ref())).isEmpty();
        assertThat(repo.branchCommit()).contains(repo.baseCommit());
    }

    @Test
    void a_session_branch_already_on_the_origin_is_continued_from_where_it_forked() throws Exception {
        String fork = TestRepos.head(f.origin, "main");
        TestRepos.author(f.origin).run("checkout", "--quiet", "-b", SESSION.value());
        TestRepos.write(f.origin, "session.txt", "earlier work\n");
        String earlier = TestRepos.commit(f.origin, "Earlier session work");
        TestRepos.author(f.origin).run("checkout", "--quiet", "main");
        TestRepos.write(f.origin, "later.txt", "main moved on\n");
        TestRepos.commit(f.origin, "Main moves on");

        SessionRepo repo = f.repo(f.origin);

        assertThat(repo.branchCommit()).contains(earlier);
        assertThat(repo.baseCommit()).isEqualTo(fork);
        assertThat(repo.hasCommitsBeyondBase()).isTrue();
    }

    @Test
    void each_workspace_tenant_has_its_own_mirror_of_a_repository() {
        RepoUrl url = RepoUrl.parse(f.origin.toString(), true);
        f.repo(f.origin);
        f.mirrors.update("ws-two", url, GitAuth.NONE, f.origins.access(url));

        assertThat(f.mirrors.dirOf(TENANT, url)).isDirectory();
        assertThat(f.mirrors.dirOf("ws-two", url)).isDirectory().isNotEqualTo(f.mirrors.dirOf(TENANT, url));
    }

    @Test
    void a_local_origin_is_read_through_upload_pack_so_none_of_its_object_files_is_shared() throws Exception {
        f.repo(f.origin);

        try (var files = Files.walk(f.origin.resolve(".git/objects"))) {
            assertThat(files.filter(Files::isRegularFile).filter(p -> linkCount(p) > 1)).isEmpty();
        }
    }

    @Test
    void a_session_repository_opened_before_it_was_ever_made_is_empty_and_takes_the_next_hand_over() {
        Path dir = f.spec(f.origin, null).dir();

        SessionRepo repo = f.repos.open(dir, BranchName.of("main"), SESSION, TestRepos.head(f.origin, "main"));

        assertThat(dir).isDirectory();
        assertThat(repo.branchCommit()).isEmpty();
        assertThat(repo.knownCommits()).isEmpty();
        assertThat(repo.heads(java.util.List.of("README.md")).hasBase()).isFalse();
        assertThat(repo.hasFileAtBase("README.md")).as("not there yet, and not remembered as missing").isFalse();
        TestRepos.GIT.in(dir).withProtocols("file").run("fetch", "--quiet", f.origin.toString(), "main");
        assertThat(repo.hasFileAtBase("README.md")).isTrue();
    }

    private static int linkCount(Path p) {
        try {
            return (Integer) Files.getAttribute(p, "unix:nlink");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
