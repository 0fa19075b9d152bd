package dev.magnet.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

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
 * @param sharedWith         which workspaces may use these credentials when they have none of their own
 *                           ({@code MAGNET_GITHUB_SHARED_WITH}, {@code first})
 */
public record GitHubConfig(String apiUrl, String appId, String appPrivateKey, String token, String webhookSecret,
                           boolean draftPullRequests, Duration pollInterval, Duration maxRateLimitWait,
                           SharedWith sharedWith) {
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
        sharedWith = sharedWith == null ? SharedWith.parse(null) : sharedWith;
    }

    /** Nothing configured: GitHub repositories are refused until a workspace sets an integration. */
    public static GitHubConfig none() {
        return new GitHubConfig(null, null, null, null, null, false, Duration.ofSeconds(120), Duration.ofSeconds(300), null);
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
                Duration.ofSeconds(seconds(env, "MAGNET_GITHUB_MAX_RATE_LIMIT_WAIT_SECONDS", 300)),
                SharedWith.parse(env.get(SharedWith.SETTING)));
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
                + ", token=" + (token == null ? "none" : "set") + ", webhookSecret=" + (webhookSecret == null ? "none" : "set")
                + ", sharedWith=" + sharedWith + "]";
    }

    /**
     * Which workspaces may use the environment's credentials ({@code MAGNET_GITHUB_SHARED_WITH}): {@code first} (the
     * default: the workspace made on the first start), {@code all}, or a comma-separated list of workspace ids, which
     * may include {@code first}.
     *
     * @param all          every workspace
     * @param first        the workspace made on the first start
     * @param workspaceIds further workspaces, by id
     */
    public record SharedWith(boolean all, boolean first, Set<String> workspaceIds) {
        public static final String SETTING = "MAGNET_GITHUB_SHARED_WITH";

        public SharedWith {
            workspaceIds = Set.copyOf(workspaceIds);
        }

        /** Reads the setting; null or blank is {@code first}. */
        public static SharedWith parse(String value) {
            if (value == null || value.isBlank() || value.strip().equalsIgnoreCase("first")) {
                return new SharedWith(false, true, Set.of());
            }
            if (value.strip().equalsIgnoreCase("all")) {
                return new SharedWith(true, false, Set.of());
            }
            Set<String> items = Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                    .collect(Collectors.toCollection(HashSet::new));
            if (items.isEmpty()) {
                throw new IllegalArgumentException(SETTING + " must be first, all, or a comma-separated list of workspace "
                        + "ids (and first), was '" + value + "'");
            }
            boolean first = items.removeIf(s -> s.equalsIgnoreCase("first"));
            for (String id : items) {
                if (!id.matches("[0-9A-Za-z-]{1,40}")) {
                    throw new IllegalArgumentException(SETTING + " must be first, all, or a comma-separated list of "
                            + "workspace ids (and first); '" + id + "' is none of these");
                }
                if (id.equalsIgnoreCase("all")) {
                    throw new IllegalArgumentException(SETTING + "=all shares with every workspace; it cannot be part of a list");
                }
            }
            return new SharedWith(false, first, items);
        }

        /** Whether the workspace may use the environment's credentials; {@code firstWorkspaceId} may be null. */
        public boolean includes(String workspaceId, String firstWorkspaceId) {
            return all || workspaceIds.contains(workspaceId) || (first && workspaceId.equals(firstWorkspaceId));
        }

        @Override
        public String toString() {
            return all ? "all" : (first ? "first" : "") + (first && !workspaceIds.isEmpty() ? "," : "")
                    + String.join(",", workspaceIds.stream().sorted().toList());
        }
    }
}
