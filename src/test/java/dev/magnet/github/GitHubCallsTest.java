package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

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
}
