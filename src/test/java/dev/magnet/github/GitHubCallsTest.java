package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import dev.magnet.testing.FakeGitHub;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitHubCallsTest {

    @Test
    void a_github_that_does_not_answer_at_all_is_unavailable_with_its_reason() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        GitHubCalls calls = new GitHubCalls("http://127.0.0.1:" + closedPort,
                new RateLimitBackoff(Clock.systemUTC(), Duration.ofSeconds(1)));

        assertThatThrownBy(() -> calls.withToken(TokenSource.fixed("ghp_test"), new GitHubRepo("acme", "app"),
                "looking up acme/app on GitHub", gh -> gh.getRepository("acme/app")))
                .isInstanceOfSatisfying(GitHubException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitHubException.Kind.UNAVAILABLE);
                    assertThat(e.status()).isZero();
                })
                .hasMessageStartingWith("looking up acme/app on GitHub failed. GitHub could not be reached");
    }

    @Test
    void a_conditional_read_waits_out_a_rate_limit_and_an_unchanged_answer_is_a_304_without_a_body(@TempDir Path dir) {
        try (FakeGitHub github = FakeGitHub.start(dir)) {
            github.addRepo("acme/app");
            github.commentAs("acme/app", 1, "@magnet hello", FakeGitHub.account("ada", "User", 101));
            GitHubCalls calls = new GitHubCalls(github.apiUrl(), new RateLimitBackoff(Clock.systemUTC(), Duration.ofSeconds(10)));
            GitHubRepo repo = new GitHubRepo("acme", "app");
            String path = "/repos/acme/app/issues/comments?sort=updated&direction=asc&since=2000-01-01T00:00:00Z";

            github.rateLimitNext(1);
            GitHubCalls.Answer first = calls.get(TokenSource.fixed(FakeGitHub.PERSONAL_TOKEN), repo, path, null, "reading comments");
            assertThat(first.notModified()).isFalse();
            assertThat(first.body().get(0).path("body").asText()).isEqualTo("@magnet hello");
            assertThat(first.etag()).isNotBlank();

            GitHubCalls.Answer again = calls.get(TokenSource.fixed(FakeGitHub.PERSONAL_TOKEN), repo, path, first.etag(), "reading comments");
            assertThat(again.notModified()).isTrue();
            assertThat(again.body()).isNull();

            github.rateLimitNext(RateLimitBackoff.MAX_ATTEMPTS);
            GitHubCalls impatient = new GitHubCalls(github.apiUrl(), new RateLimitBackoff(Clock.systemUTC(), Duration.ofSeconds(2)));
            assertThatThrownBy(() -> impatient.get(TokenSource.fixed(FakeGitHub.PERSONAL_TOKEN), repo, path, null, "reading comments"))
                    .isInstanceOfSatisfying(GitHubException.class, e -> assertThat(e.kind()).isEqualTo(GitHubException.Kind.RATE_LIMITED));
        }
    }
}
