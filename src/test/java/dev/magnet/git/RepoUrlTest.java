package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepoUrlTest {

    @Test
    void an_absolute_path_is_local_and_normalised() {
        RepoUrl url = RepoUrl.parse("/srv/repos/../repos/demo/", true);

        assertThat(url.isLocal()).isTrue();
        assertThat(url.value()).isEqualTo("/srv/repos/demo");
        assertThat(url.localPath()).hasValueSatisfying(p -> assertThat(p).hasToString("/srv/repos/demo"));
    }

    @Test
    void a_file_url_is_the_same_repository_as_its_path() {
        RepoUrl url = RepoUrl.parse("file:///srv/my%20repos/demo", true);

        assertThat(url.isLocal()).isTrue();
        assertThat(url.value()).isEqualTo("/srv/my repos/demo");
        assertThat(url.mirrorKey()).isEqualTo(RepoUrl.parse("/srv/my repos/demo/", true).mirrorKey());
    }

    @Test
    void remote_urls_are_accepted_with_lower_case_host_and_no_trailing_slash() {
        assertThat(RepoUrl.parse("https://GitHub.com/owner/name.git/", false).value())
                .isEqualTo("https://github.com/owner/name.git");
        assertThat(RepoUrl.parse("http://git.example.com:8080/x", false).value()).isEqualTo("http://git.example.com:8080/x");
        assertThat(RepoUrl.parse("ssh://git@example.com:2222/owner/name.git", false).value())
                .isEqualTo("ssh://git@example.com:2222/owner/name.git");
        assertThat(RepoUrl.parse("git@github.com:owner/name.git", false).value()).isEqualTo("git@github.com:owner/name.git");
        assertThat(RepoUrl.parse("git@github.com:owner/name.git", false).isLocal()).isFalse();
    }

    @Test
    void the_display_form_leaves_out_an_http_user_name() {
        assertThat(RepoUrl.parse("https://bot@example.com/o/n", false).display()).isEqualTo("https://example.com/o/n");
        assertThat(RepoUrl.parse("git@github.com:o/n", false).display()).isEqualTo("git@github.com:o/n");
    }

    @Test
    void the_mirror_key_is_stable_hex_and_differs_between_repositories() {
        RepoUrl a = RepoUrl.parse("https://example.com/o/a", false);

        assertThat(a.mirrorKey()).matches("[0-9a-f]{64}").isEqualTo(RepoUrl.parse("https://EXAMPLE.com/o/a/", false).mirrorKey());
        assertThat(a.mirrorKey()).isNotEqualTo(RepoUrl.parse("https://example.com/o/b", false).mirrorKey());
    }

    @Test
    void local_repositories_are_refused_when_the_server_does_not_allow_them() {
        assertThatThrownBy(() -> RepoUrl.parse("/srv/demo", false))
                .isInstanceOf(InvalidGitInputException.class)
                .hasMessageContaining("does not allow local repositories");
        assertThatThrownBy(() -> RepoUrl.parse("file:///srv/demo", false))
                .hasMessageContaining("does not allow local repositories");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "--upload-pack=touch /tmp/x", "-oProxyCommand=x", "ext::sh -c touch% /tmp/x",
            "fd::0", "owner/name", "./repo", "../repo", "~/repo", "ftp://example.com/x", "git://example.com/x",
            "https://user:secret@example.com/o/n", "https://example.com/o\n/n", "https://example.com/o/n?x=1",
            "https://example.com", "https://-oProxy/x", "file://otherhost/srv/x", "-@host:x", "host:-x"})
    void unacceptable_repositories_are_rejected_with_a_message(String input) {
        assertThatThrownBy(() -> RepoUrl.parse(input, true))
                .isInstanceOf(InvalidGitInputException.class)
                .message().isNotBlank();
    }

    @Test
    void rejection_messages_say_what_is_wrong() {
        assertThatThrownBy(() -> RepoUrl.parse("ext::sh -c x", true)).hasMessageContaining("transport helper");
        assertThatThrownBy(() -> RepoUrl.parse("--upload-pack=x", true)).hasMessageContaining("must not start with '-'");
        assertThatThrownBy(() -> RepoUrl.parse("owner/name", true)).hasMessageContaining("not a git URL or an absolute path");
        assertThatThrownBy(() -> RepoUrl.parse("https://u:tok@example.com/x", true)).hasMessageContaining("password or token");
        assertThatThrownBy(() -> RepoUrl.parse("", true)).hasMessageContaining("empty");
    }
}
