package dev.magnet.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The GitHub integration as configured by the environment (SPEC §7). A workspace may instead set its own
 * through the API; this is what every workspace without one uses.
 *
 * @param apiUrl             REST API base ({@code MAGNET_GITHUB_API_URL}, {@code https://api.github.com}; GitHub
 *                           Enterprise Server: {@code https://HOST/api/v3})
 * @param appId              GitHub App id ({@code MAGNET_GITHUB_APP_ID}), or null
 * @param appPrivateKey      the App's private key as PEM text ({@code MAGNET_GITHUB_APP_PRIVATE_KEY}: the PEM
 *                           itself or the path of a file holding it), or null
 * @param token              a personal access token ({@code MAGNET_GITHUB_TOKEN}), or null
 * @param webhookSecret      the secret GitHub signs webhook deliveries with ({@code MAGNET_GITHUB_WEBHOOK_SECRET})
 * @param draftPullRequests  whether pull requests are opened as drafts ({@code MAGNET_GITHUB_DRAFT_PRS}, false)
 * @param pollInterval       how often open pull requests are checked when webhooks do not arrive
 *                           ({@code MAGNET_GITHUB_POLL_SECONDS}, 120; 0 turns polling off)
 * @param maxRateLimitWait   the longest Magnet waits for a GitHub rate limit to reset before giving up
 *                           ({@code MAGNET_GITHUB_MAX_RATE_LIMIT_WAIT_SECONDS}, 300)
 */
public record GitHubConfig(String apiUrl, String appId, String appPrivateKey, String token, String webhookSecret,
                           boolean draftPullRequests, Duration pollInterval, Duration maxRateLimitWait) {
    public static final String DEFAULT_API_URL = "https://api.github.com";

    public GitHubConfig {
        apiUrl = blankToNull(apiUrl) == null ? DEFAULT_API_URL : stripSlash(apiUrl.strip());
        appId = blankToNull(appId);
        appPrivateKey = blankToNull(appPrivateKey);
        token = blankToNull(token);
        webhookSecret = blankToNull(webhookSecret);
        if (appId != null && appPrivateKey == null) {
            throw new IllegalArgumentException("MAGNET_GITHUB_APP_ID is set but MAGNET_GITHUB_APP_PRIVATE_KEY is not: "
                    + "give the App's private key (PEM text or a file path)");
        }
        if (appPrivateKey != null && appId == null) {
            throw new IllegalArgumentException("MAGNET_GITHUB_APP_PRIVATE_KEY is set but MAGNET_GITHUB_APP_ID is not");
        }
    }

    /** Nothing configured: GitHub repositories are refused until a workspace sets an integration. */
    public static GitHubConfig none() {
        return new GitHubConfig(null, null, null, null, null, false, Duration.ofSeconds(120), Duration.ofSeconds(300));
    }

    static GitHubConfig fromEnvironment(Map<String, String> env) {
        return new GitHubConfig(
                env.get("MAGNET_GITHUB_API_URL"),
                env.get("MAGNET_GITHUB_APP_ID"),
                pemOrFile(env.get("MAGNET_GITHUB_APP_PRIVATE_KEY")),
                env.get("MAGNET_GITHUB_TOKEN"),
                env.get("MAGNET_GITHUB_WEBHOOK_SECRET"),
                Boolean.parseBoolean(env.getOrDefault("MAGNET_GITHUB_DRAFT_PRS", "false")),
                Duration.ofSeconds(seconds(env, "MAGNET_GITHUB_POLL_SECONDS", 120)),
                Duration.ofSeconds(seconds(env, "MAGNET_GITHUB_MAX_RATE_LIMIT_WAIT_SECONDS", 300)));
    }

    /** True when the environment names an App or a token. */
    public boolean isConfigured() {
        return token != null || appId != null;
    }

    private static String pemOrFile(String value) {
        if (value == null || value.isBlank() || value.contains("-----BEGIN")) {
            return value;
        }
        Path file = Path.of(value.strip());
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("MAGNET_GITHUB_APP_PRIVATE_KEY is neither PEM text nor a readable file: "
                    + file, e);
        }
    }

    private static long seconds(Map<String, String> env, String name, long fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed < 0) {
                throw new IllegalArgumentException(name + " must not be negative, was " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number of seconds, was '" + value + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public String toString() {
        // why: the record's default toString would print the token and the private key
        return "GitHubConfig[apiUrl=" + apiUrl + ", app=" + (appId == null ? "none" : appId)
                + ", token=" + (token == null ? "none" : "set") + ", webhookSecret=" + (webhookSecret == null ? "none" : "set") + "]";
    }
}
