package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitTest {
    @TempDir
    Path tmp;

    @Test
    void git_runs_with_english_messages_and_no_way_to_prompt() throws IOException {
        Git fake = new Git(fakeGit().toString(), Duration.ofSeconds(10));

        String env = fake.in(tmp).run("env").stdout();

        assertThat(env).contains("GIT_TERMINAL_PROMPT=0\n", "GIT_ASKPASS=\n", "LC_ALL=C\n");
    }

    @Test
    void git_gets_none_of_the_servers_environment_and_no_config_replace_objects_or_lazy_fetch() throws IOException {
        Git fake = new Git(fakeGit().toString(), Duration.ofSeconds(10));

        String env = fake.in(tmp).run("env").stdout();

        assertThat(env.lines().map(line -> line.substring(0, line.indexOf('=')))
                .filter(name -> !List.of("PWD", "OLDPWD", "SHLVL", "_").contains(name)).sorted().toList()).containsExactly(
                "GIT_ALLOW_PROTOCOL", "GIT_ASKPASS", "GIT_CONFIG_COUNT", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_KEY_0",
                "GIT_CONFIG_KEY_1", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_VALUE_0", "GIT_CONFIG_VALUE_1", "GIT_NO_LAZY_FETCH",
                "GIT_NO_REPLACE_OBJECTS", "GIT_TERMINAL_PROMPT", "HOME", "LC_ALL", "PATH", "XDG_CONFIG_HOME");
        assertThat(env).contains("HOME=/nonexistent\n", "GIT_CONFIG_GLOBAL=/dev/null\n", "GIT_CONFIG_NOSYSTEM=1\n",
                "GIT_NO_REPLACE_OBJECTS=1\n", "GIT_NO_LAZY_FETCH=1\n", "GIT_ALLOW_PROTOCOL=\n",
                "GIT_CONFIG_KEY_0=core.hooksPath\n", "GIT_CONFIG_VALUE_0=/dev/null\n");
    }

    @Test
    void a_call_may_use_only_the_transport_protocols_it_names() throws IOException {
        Git fake = new Git(fakeGit().toString(), Duration.ofSeconds(10));

        assertThat(fake.in(tmp).withProtocols("file").run("env").stdout()).contains("GIT_ALLOW_PROTOCOL=file\n");
        assertThat(fake.in(tmp).withProtocols("https").run("env").stdout()).contains("GIT_ALLOW_PROTOCOL=https\n");
    }

    @Test
    void credentials_reach_git_through_its_environment_and_never_its_arguments() throws IOException {
        Git fake = new Git(fakeGit().toString(), Duration.ofSeconds(10));
        GitAuth auth = new GitAuth(Map.of("http.extraHeader", "Authorization: Basic c2VjcmV0"), Map.of("MY_TOKEN_FILE", "/run/t"));

        GitCommand command = fake.in(tmp).withAuth(auth).withConfig("core.hooksPath", "/dev/null");
        String env = command.run("env").stdout();
        String args = command.run("args").stdout();

        assertThat(env).contains("GIT_CONFIG_COUNT=3\n", "GIT_CONFIG_KEY_2=http.extraHeader\n",
                "GIT_CONFIG_VALUE_2=Authorization: Basic c2VjcmV0\n", "MY_TOKEN_FILE=/run/t\n");
        assertThat(args).isEqualTo("-c\ncore.hooksPath=/dev/null\nargs\n").doesNotContain("c2VjcmV0");
        assertThat(auth.toString()).doesNotContain("c2VjcmV0");
    }

    @Test
    void a_git_that_does_not_finish_in_time_is_stopped_with_TIMEOUT() throws IOException {
        Git fake = new Git(fakeGit().toString(), Duration.ofSeconds(10));

        assertThatThrownBy(() -> fake.in(tmp).withTimeout(Duration.ofMillis(300)).run("sleep"))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitException.Kind.TIMEOUT);
                    assertThat(e.kind().isRetryable()).isTrue();
                    assertThat(e).hasMessageContaining("did not finish within");
                });
    }

    @Test
    void an_interrupted_caller_stops_git_with_INTERRUPTED() throws Exception {
        Git fake = new Git(fakeGit().toString(), Duration.ofSeconds(30));
        AtomicReference<Throwable> thrown = new AtomicReference<>();

        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                fake.in(tmp).run("sleep");
            } catch (RuntimeException e) {
                thrown.set(e);
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(tmp.resolve("fake-git.sleeping")));
        caller.interrupt();
        caller.join(Duration.ofSeconds(10));

        assertThat(thrown.get()).isInstanceOfSatisfying(GitException.class,
                e -> assertThat(e.kind()).isEqualTo(GitException.Kind.INTERRUPTED));
    }

    @Test
    void a_failing_git_reports_the_last_lines_it_printed() {
        assertThatThrownBy(() -> new Git().in(tmp).run("rev-parse", "--verify", "no-such-ref"))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GitException.Kind.FAILED);
                    assertThat(e.gitOutput()).contains("not a git repository");
                    assertThat(e).hasMessageContaining("git rev-parse failed").hasMessageContaining("git said:");
                });
    }

    @Test
    void try_run_returns_a_non_zero_exit_instead_of_throwing() {
        GitResult result = new Git().in(tmp).tryRun("rev-parse", "--verify", "--quiet", "HEAD");

        assertThat(result.succeeded()).isFalse();
        assertThat(result.exitCode()).isNotZero();
    }

    @Test
    void a_missing_git_program_is_a_clear_failure() {
        assertThatThrownBy(() -> new Git(tmp.resolve("no-git").toString(), Duration.ofSeconds(5)).in(tmp).run("status"))
                .isInstanceOfSatisfying(GitException.class, e -> assertThat(e.kind()).isEqualTo(GitException.Kind.FAILED))
                .hasMessageContaining("could not start git status");
    }

    /** A stand-in for git: {@code env} prints its environment, {@code args} its arguments, {@code sleep} hangs. */
    private Path fakeGit() throws IOException {
        Path script = tmp.resolve("fake-git");
        Files.writeString(script, """
                #!/bin/sh
                for last; do :; done
                case "$last" in
                  env) env ;;
                  args) printf '%s\\n' "$@" ;;
                  sleep) : > "$0.sleeping"; exec sleep 30 ;;
                esac
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }
}
