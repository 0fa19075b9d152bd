package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorsTest {
    @TempDir
    Path tmp;
    Path origin;
    RepoUrl repo;
    Mirrors mirrors;
    OriginPolicy origins;

    @BeforeEach
    void setUp() throws Exception {
        origin = TestRepos.origin(tmp.resolve("origin"));
        repo = RepoUrl.parse(origin.toString(), true);
        mirrors = new Mirrors(TestRepos.GIT, tmp.resolve("data"));
        origins = new OriginPolicy(true, java.util.List.of(tmp), tmp.resolve("data"),
                dev.magnet.net.AddressPolicy.of(java.util.List.of()));
    }

    private Mirror update(RepoUrl url) {
        return mirrors.update("ws", url, GitAuth.NONE, origins.access(url));
    }

    @Test
    void the_first_update_clones_the_branches_and_finds_the_default_branch() {
        Mirror mirror = update(repo);

        assertThat(mirror.dir()).isEqualTo(tmp.resolve("data/mirrors/ws/" + repo.mirrorKey() + ".git")).isDirectory();
        assertThat(mirror.defaultBranch()).contains(BranchName.of("main"));
        assertThat(TestRepos.head(mirror.dir(), "refs/heads/main")).isEqualTo(TestRepos.head(origin, "main"));
        assertThat(TestRepos.head(mirror.dir(), "refs/heads/develop")).isEqualTo(TestRepos.head(origin, "develop"));
    }

    @Test
    void a_later_update_fetches_new_commits_and_prunes_deleted_branches() throws Exception {
        Mirror first = update(repo);
        TestRepos.write(origin, "CHANGELOG.md", "- more\n");
        String newHead = TestRepos.commit(origin, "More");
        TestRepos.GIT.in(origin).run("branch", "--quiet", "-D", "develop");

        Mirror second = update(repo);

        assertThat(second.dir()).isEqualTo(first.dir());
        assertThat(TestRepos.head(second.dir(), "refs/heads/main")).isEqualTo(newHead);
        assertThat(TestRepos.hasRef(second.dir(), "refs/heads/develop")).isFalse();
    }

    @Test
    void a_repository_that_does_not_exist_fails_with_REPO_NOT_FOUND_and_leaves_no_mirror() {
        RepoUrl missing = RepoUrl.parse(tmp.resolve("no-such-repo").toString(), true);

        assertThatThrownBy(() -> update(missing))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitException.Kind.REPO_NOT_FOUND);
                    assertThat(e).hasMessageStartingWith("repository " + missing.display() + " does not exist");
                });
        assertThat(mirrors.dirOf("ws", missing)).doesNotExist();
        assertThat(tmp.resolve("data/mirrors/ws/" + missing.mirrorKey() + ".git.partial")).doesNotExist();
    }

    @Test
    void a_directory_that_is_not_a_repository_fails_with_REPO_NOT_FOUND() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("plain-dir"));

        assertThatThrownBy(() -> update(RepoUrl.parse("file://" + plain, true)))
                .isInstanceOfSatisfying(GitException.class,
                        e -> assertThat(e.kind()).isEqualTo(GitException.Kind.REPO_NOT_FOUND));
    }

    @Test
    void a_file_url_and_its_path_share_one_mirror() {
        Mirror byPath = update(repo);
        Mirror byUrl = update(RepoUrl.parse("file://" + origin, true));

        assertThat(byUrl.dir()).isEqualTo(byPath.dir());
    }

    @Test
    void when_the_default_branch_is_renamed_the_mirror_follows() {
        update(repo);
        TestRepos.GIT.in(origin).run("branch", "--quiet", "-m", "main", "trunk");

        Mirror mirror = update(repo);

        assertThat(mirror.defaultBranch()).contains(BranchName.of("trunk"));
        assertThat(TestRepos.hasRef(mirror.dir(), "refs/heads/main")).isFalse();
    }

    @Test
    void an_empty_repository_has_no_default_branch() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        TestRepos.GIT.in(empty).run("init", "--quiet", "--bare");

        Mirror mirror = update(RepoUrl.parse(empty.toString(), true));

        assertThat(mirror.defaultBranch()).isEmpty();
    }

    @Test
    void concurrent_updates_and_clones_of_one_repository_from_several_threads_all_succeed() throws Exception {
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Path>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                Path dest = tmp.resolve("clone-" + i);
                Callable<Path> work = () -> {
                    start.await();
                    update(repo);
                    return mirrors.withMirror("ws", repo, dir -> {
                        TestRepos.GIT.in(tmp).withProtocols("file").run("clone", "--quiet", "--bare", "--local", "--",
                                dir.toString(), dest.toString());
                        return dest;
                    });
                };
                results.add(pool.submit(work));
            }
            start.countDown();
            for (Future<Path> result : results) {
                Path clone = result.get();
                assertThat(TestRepos.head(clone, "refs/heads/main")).isEqualTo(TestRepos.head(origin, "main"));
            }
        }
        TestRepos.GIT.in(mirrors.dirOf("ws", repo)).run("fsck", "--no-progress");
    }
}
