package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnet.net.AddressPolicy;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OriginPolicyTest {
    @TempDir
    Path tmp;
    Path roots;
    Path data;
    Path repo;

    @BeforeEach
    void setUp() throws Exception {
        roots = Files.createDirectories(tmp.resolve("srv/git"));
        data = Files.createDirectories(tmp.resolve("srv/git/magnet-data"));
        repo = TestRepos.origin(roots.resolve("app"));
    }

    private OriginPolicy policy(boolean local) {
        return new OriginPolicy(local, List.of(roots), data, new AddressPolicy(List.of("git.internal"), host -> List.of(
                InetAddress.getByName(switch (host) {
                    case "github.com" -> "140.82.121.4";
                    case "git.internal" -> "10.0.0.5";
                    case "evil.example" -> "169.254.169.254";
                    default -> host;
                }))));
    }

    @Test
    void local_repositories_are_refused_unless_the_operator_allows_them() {
        assertThatThrownBy(() -> policy(false).parse(repo.toString())).isInstanceOf(InvalidGitInputException.class)
                .hasMessageContaining("MAGNET_ALLOW_LOCAL_REPOS");
        assertThat(policy(true).parse(repo.toString()).value()).isEqualTo(repo.toString());
    }

    @Test
    void a_local_repository_must_lie_under_a_root_and_outside_the_data_dir_by_its_real_path() throws Exception {
        OriginPolicy policy = policy(true);
        Path outside = TestRepos.origin(tmp.resolve("elsewhere"));
        Path inData = TestRepos.origin(data.resolve("sessions/x/workspace"));
        Path link = Files.createSymbolicLink(roots.resolve("link"), inData);
        Path linkOut = Files.createSymbolicLink(roots.resolve("out"), outside);

        assertThatThrownBy(() -> policy.parse(outside.toString())).hasMessageContaining("MAGNET_LOCAL_REPO_ROOTS");
        assertThatThrownBy(() -> policy.parse(inData.toString())).hasMessageContaining("data dir");
        assertThatThrownBy(() -> policy.parse(data.toString())).hasMessageContaining("data dir");
        assertThatThrownBy(() -> policy.parse(link.toString())).hasMessageContaining("data dir");
        assertThatThrownBy(() -> policy.parse("file://" + link)).hasMessageContaining("data dir");
        assertThatThrownBy(() -> policy.parse(linkOut.toString())).hasMessageContaining("MAGNET_LOCAL_REPO_ROOTS");
        assertThatThrownBy(() -> policy.parse(roots.resolve("missing").toString())).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> policy.parse(roots.resolve("app/../../../elsewhere").toString()))
                .hasMessageContaining("MAGNET_LOCAL_REPO_ROOTS");
    }

    @Test
    void a_local_repository_is_known_by_its_real_path_and_refused_when_that_changes_later() throws Exception {
        OriginPolicy policy = policy(true);
        Path alias = Files.createSymbolicLink(roots.resolve("alias"), repo);

        RepoUrl url = policy.parse(alias.toString());

        assertThat(url.value()).isEqualTo(repo.toRealPath().toString());
        RemoteAccess access = policy.access(url);
        assertThat(access.protocol()).isEqualTo("file");
        assertThat(access.fetchArgs()).singleElement().asString().contains("core.hooksPath=/dev/null").endsWith("upload-pack");
        assertThat(access.pushArgs()).singleElement().asString().contains("receive.denyCurrentBranch=refuse")
                .endsWith("receive-pack");

        Files.move(repo, roots.resolve("moved"));
        Files.createSymbolicLink(repo, data);
        assertThatThrownBy(() -> policy.access(url)).isInstanceOfSatisfying(GitException.class,
                e -> assertThat(e.kind()).isEqualTo(GitException.Kind.ACCESS_DENIED));
    }

    @Test
    void roots_inside_the_data_dir_are_refused_at_start() {
        assertThatThrownBy(() -> new OriginPolicy(true, List.of(data.resolve(".")), data, AddressPolicy.of(List.of())))
                .hasMessageContaining("inside the data dir");
    }

    @Test
    void ssh_addresses_are_refused_because_they_would_need_the_servers_own_keys() {
        OriginPolicy policy = policy(true);

        for (String url : List.of("git@example.com:o/n.git", "ssh://git@example.com/o/n.git")) {
            assertThatThrownBy(() -> policy.parse(url)).as(url).isInstanceOf(InvalidGitInputException.class)
                    .hasMessageContaining("ssh");
        }
    }

    @Test
    void urls_to_private_addresses_are_refused_unless_allowed_and_git_is_pinned_to_the_address_checked() {
        OriginPolicy policy = policy(true);

        assertThatThrownBy(() -> policy.parse("https://evil.example/o/n.git")).hasMessageContaining("169.254.169.254");
        assertThatThrownBy(() -> policy.parse("http://127.0.0.1:8080/o/n.git")).hasMessageContaining("127.0.0.1");
        assertThat(policy.parse("https://git.internal/o/n.git").value()).isEqualTo("https://git.internal/o/n.git");

        RemoteAccess access = policy.access(RepoUrl.parse("https://github.com/o/n.git", false));
        assertThat(access.protocol()).isEqualTo("https");
        assertThat(access.config()).containsEntry("http.curloptResolve", "github.com:443:140.82.121.4")
                .containsEntry("http.followRedirects", "false");
        assertThatThrownBy(() -> policy.access(RepoUrl.parse("https://evil.example/o/n.git", false)))
                .isInstanceOfSatisfying(GitException.class, e -> assertThat(e.kind()).isEqualTo(GitException.Kind.ACCESS_DENIED));
    }
}
