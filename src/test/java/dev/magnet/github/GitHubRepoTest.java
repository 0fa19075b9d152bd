package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GitHubRepoTest {
    private static final Set<String> PUBLIC = Set.of("github.com", "www.github.com");

    @Test
    void owner_slash_name_and_github_urls_name_the_same_repository() {
        assertThat(GitHubRepo.parse("acme/web-app", PUBLIC)).contains(new GitHubRepo("acme", "web-app"));
        assertThat(GitHubRepo.parse("https://github.com/acme/web-app", PUBLIC)).contains(new GitHubRepo("acme", "web-app"));
        assertThat(GitHubRepo.parse("https://github.com/acme/web-app.git", PUBLIC)).contains(new GitHubRepo("acme", "web-app"));
        assertThat(GitHubRepo.parse("https://github.com/acme/web-app/", PUBLIC)).contains(new GitHubRepo("acme", "web-app"));
    }

    @Test
    void other_hosts_local_paths_and_malformed_names_are_not_github_repositories() {
        assertThat(GitHubRepo.parse("https://gitlab.com/acme/web-app", PUBLIC)).isEmpty();
        assertThat(GitHubRepo.parse("/srv/repos/web-app", PUBLIC)).isEmpty();
        assertThat(GitHubRepo.parse("acme/web-app/extra", PUBLIC)).isEmpty();
        assertThat(GitHubRepo.parse("https://user@github.com/acme/web-app", PUBLIC)).isEmpty();
        assertThat(GitHubRepo.parse("-acme/web-app", PUBLIC)).isEmpty();
    }

    @Test
    void an_enterprise_server_host_is_recognised_from_the_api_url() {
        GitHubSettings ghes = new GitHubSettings("https://git.example.com/api/v3", null, null, "t0ken-value", null, false, "api");
        assertThat(GitHubRepo.parse("https://git.example.com/team/tool.git", ghes.webHosts()))
                .isEqualTo(Optional.of(new GitHubRepo("team", "tool")));
        assertThat(GitHubRepo.parse("https://github.com/team/tool.git", ghes.webHosts())).isEmpty();
    }
}
