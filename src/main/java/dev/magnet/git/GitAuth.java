package dev.magnet.git;

import java.util.Map;

/**
 * Credentials for one git operation that talks to a remote (clone, fetch, push), used host-side
 * only. {@code config} entries reach git through its {@code GIT_CONFIG_COUNT}/{@code GIT_CONFIG_KEY_n}
 * environment, never through argv or a config file, e.g.
 * {@code http.https://github.com/.extraHeader = Authorization: Basic ...}; {@code env} is added to
 * the process environment, e.g. {@code GIT_SSH_COMMAND}. Neither is written into any repository.
 */
public record GitAuth(Map<String, String> config, Map<String, String> env) {

    /** No credentials: whatever the server's own environment allows. */
    public static final GitAuth NONE = new GitAuth(Map.of(), Map.of());

    public GitAuth {
        config = Map.copyOf(config);
        env = Map.copyOf(env);
    }

    public static GitAuth ofConfig(String key, String value) {
        return new GitAuth(Map.of(key, value), Map.of());
    }

    /** Names only: values are secrets and must not reach a log. */
    @Override
    public String toString() {
        return "GitAuth[config=" + config.keySet() + ", env=" + env.keySet() + "]";
    }
}
