package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GitErrorsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "fatal: repository '/srv/nope' does not exist                                  | REPO_NOT_FOUND",
            "fatal: '/srv/nope' does not appear to be a git repository                       | REPO_NOT_FOUND",
            "remote: Repository not found.                                                   | REPO_NOT_FOUND",
            "fatal: repository 'https://github.com/o/n/' not found                           | REPO_NOT_FOUND",
            "git@github.com: Permission denied (publickey).                                  | ACCESS_DENIED",
            "fatal: could not read Username for 'https://github.com': terminal prompts disabled | ACCESS_DENIED",
            "fatal: Authentication failed for 'https://example.com/o/n/'                     | ACCESS_DENIED",
            "remote: Permission to o/n.git denied to bot. / fatal: The requested URL returned error: 403 | ACCESS_DENIED",
            "error: insufficient permission for adding an object to repository database ./objects | ACCESS_DENIED",
            "fatal: unable to access 'https://nohost.invalid/x/': Could not resolve host: nohost.invalid | NETWORK",
            "fatal: unable to access 'https://127.0.0.1:1/x/': Failed to connect to 127.0.0.1 port 1 | NETWORK",
            "fatal: The requested URL returned error: 502                                     | NETWORK",
            "error: RPC failed; curl 52 Empty reply from server / fatal: the remote end hung up unexpectedly | NETWORK",
            "error: RPC failed; curl 56 Recv failure: Connection reset by peer                | NETWORK",
            "fatal: bad object HEAD                                                           | FAILED"})
    void git_messages_are_classified_by_kind(String stderr, GitException.Kind kind) {
        assertThat(GitErrors.classify(stderr)).isEqualTo(kind);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"REPO_NOT_FOUND | false", "NETWORK | true", "TIMEOUT | true", "PUSH_REJECTED | false"})
    void only_network_trouble_and_timeouts_are_worth_retrying(GitException.Kind kind, boolean retryable) {
        assertThat(kind.isRetryable()).isEqualTo(retryable);
    }

    @Test
    void the_tail_keeps_the_last_lines_without_hints() {
        String stderr = "one\ntwo\nhint: do this\nthree\n\nfour\nfive\n";

        assertThat(GitErrors.tail(stderr)).isEqualTo("two / three / four / five");
    }
}
