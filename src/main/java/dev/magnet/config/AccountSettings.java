package dev.magnet.config;

import java.time.Duration;
import java.util.Map;

/**
 * Settings of sign-in and API keys.
 *
 * @param adminPassword        the first admin's password on a fresh install ({@code MAGNET_ADMIN_PASSWORD}); null: one is
 *                             generated and printed once
 * @param cookieSecure         whether cookies carry {@code Secure} ({@code MAGNET_COOKIE_SECURE} true/false); null: when
 *                             the public URL or the request is https
 * @param apiKeyRatePerMinute  requests per minute an API key may make unless it has its own limit
 *                             ({@code MAGNET_API_KEY_RATE_LIMIT}, 600)
 * @param oidcIssuer           OpenID Connect issuer URL ({@code MAGNET_OIDC_ISSUER}); null: no single sign-on
 * @param oidcClientId         the client registered at the provider ({@code MAGNET_OIDC_CLIENT_ID})
 * @param oidcClientSecret     its secret ({@code MAGNET_OIDC_CLIENT_SECRET})
 * @param oidcName             what the sign-in button says ({@code MAGNET_OIDC_NAME}, "Single sign-on")
 * @param maxPasswordHashes    how many password hashes (Argon2id, 19 MiB each) the server computes at once
 *                             ({@code MAGNET_MAX_PASSWORD_HASHES}, 4); sign-ins beyond that wait briefly, then get 429
 * @param workspaceCreators    who may create workspaces ({@code MAGNET_WORKSPACE_CREATORS}, admins)
 * @param streamRecheck        how often an open event stream checks that its caller may still read it
 *                             ({@code MAGNET_STREAM_RECHECK_SECONDS}, 15)
 */
public record AccountSettings(String adminPassword, Boolean cookieSecure, int apiKeyRatePerMinute, String oidcIssuer,
                              String oidcClientId, String oidcClientSecret, String oidcName, int maxPasswordHashes,
                              WorkspaceCreators workspaceCreators, Duration streamRecheck) {

    public AccountSettings {
        adminPassword = blankToNull(adminPassword);
        oidcIssuer = blankToNull(oidcIssuer);
        oidcClientId = blankToNull(oidcClientId);
        oidcClientSecret = blankToNull(oidcClientSecret);
        if (apiKeyRatePerMinute < 1) {
            throw new IllegalArgumentException("MAGNET_API_KEY_RATE_LIMIT must be at least 1 (requests per minute)");
        }
        if (oidcIssuer != null && (oidcClientId == null || oidcClientSecret == null)) {
            throw new IllegalArgumentException(
                    "MAGNET_OIDC_ISSUER is set: also set MAGNET_OIDC_CLIENT_ID and MAGNET_OIDC_CLIENT_SECRET");
        }
        if (oidcName == null || oidcName.isBlank()) {
            oidcName = "Single sign-on";
        }
        if (maxPasswordHashes < 1) {
            throw new IllegalArgumentException("MAGNET_MAX_PASSWORD_HASHES must be at least 1 (each hash takes 19 MiB)");
        }
        if (workspaceCreators == null) {
            workspaceCreators = WorkspaceCreators.parse(null);
        }
        if (streamRecheck == null || streamRecheck.compareTo(Duration.ofSeconds(1)) < 0
                || streamRecheck.compareTo(Duration.ofSeconds(15)) > 0) {
            throw new IllegalArgumentException("MAGNET_STREAM_RECHECK_SECONDS must be 1 to 15 (seconds)");
        }
    }

    /** Reads the settings from the environment. */
    public static AccountSettings fromEnvironment(Map<String, String> env) {
        String secure = blankToNull(env.get("MAGNET_COOKIE_SECURE"));
        return new AccountSettings(env.get("MAGNET_ADMIN_PASSWORD"), secure == null ? null : Boolean.parseBoolean(secure.trim()),
                (int) MagnetConfig.parseLong(env, "MAGNET_API_KEY_RATE_LIMIT", 600), env.get("MAGNET_OIDC_ISSUER"),
                env.get("MAGNET_OIDC_CLIENT_ID"), env.get("MAGNET_OIDC_CLIENT_SECRET"), env.get("MAGNET_OIDC_NAME"),
                (int) MagnetConfig.parseLong(env, "MAGNET_MAX_PASSWORD_HASHES", 4),
                WorkspaceCreators.parse(env.get(WorkspaceCreators.SETTING)),
                Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_STREAM_RECHECK_SECONDS", 15)));
    }

    public boolean oidcEnabled() {
        return oidcIssuer != null;
    }

    @Override
    public String toString() {
        // why: the record's default toString would print the admin password and the client secret
        return "AccountSettings[oidc=" + (oidcEnabled() ? oidcIssuer : "off") + ", cookieSecure="
                + (cookieSecure == null ? "auto" : cookieSecure) + ", apiKeyRatePerMinute=" + apiKeyRatePerMinute
                + ", maxPasswordHashes=" + maxPasswordHashes + ", workspaceCreators=" + workspaceCreators.describe()
                + ", streamRecheck=" + streamRecheck.toSeconds() + "s]";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
