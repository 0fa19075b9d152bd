package dev.magnet.github;

import dev.magnet.config.GitHubConfig;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * One GitHub integration: where its API is, how Magnet authenticates (a GitHub App or a personal access
 * token), the webhook secret and whether pull requests are drafts. {@code source} says where it came from
 * ({@code environment} or {@code api}).
 */
public record GitHubSettings(String apiUrl, String appId, String privateKey, String token, String webhookSecret,
                             boolean draftPullRequests, String source) {

    public GitHubSettings {
        apiUrl = apiUrl == null || apiUrl.isBlank() ? GitHubConfig.DEFAULT_API_URL : apiUrl.strip().replaceAll("/+$", "");
        if (!apiUrl.startsWith("https://") && !apiUrl.startsWith("http://")) {
            throw new IllegalArgumentException("apiUrl must be an http(s) URL, was '" + apiUrl + "'");
        }
        if ((appId == null) == (token == null)) {
            throw new IllegalArgumentException("give either a GitHub App (appId and privateKey) or a token, not "
                    + (appId == null ? "neither" : "both"));
        }
        if (appId != null && (privateKey == null || privateKey.isBlank())) {
            throw new IllegalArgumentException("a GitHub App needs its privateKey (PEM)");
        }
    }

    /** The settings of the environment, or null when it configures no integration. */
    static GitHubSettings of(GitHubConfig config) {
        if (!config.isConfigured()) {
            return null;
        }
        return new GitHubSettings(config.apiUrl(), config.token() == null ? config.appId() : null,
                config.token() == null ? config.appPrivateKey() : null, config.token(), config.webhookSecret(),
                config.draftPullRequests(), "environment");
    }

    public boolean isApp() {
        return appId != null;
    }

    /**
     * The hosts ({@code host} or {@code host:port}) on which repository URLs belong to this integration:
     * {@code github.com} for the public API, else the API's own host (GitHub Enterprise Server serves
     * {@code /api/v3} on the web host).
     */
    public Set<String> webHosts() {
        URI api = URI.create(apiUrl);
        String host = api.getHost() == null ? "" : api.getHost().toLowerCase(Locale.ROOT);
        if (host.equals("api.github.com")) {
            return Set.of("github.com", "www.github.com");
        }
        return Set.of(host + (api.getPort() == -1 ? "" : ":" + api.getPort()));
    }

    @Override
    public String toString() {
        return "GitHubSettings[apiUrl=" + apiUrl + ", " + (isApp() ? "app " + appId : "token") + ", source=" + source + "]";
    }
}
