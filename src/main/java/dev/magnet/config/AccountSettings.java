package dev.magnet.config;

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
 */
public record AccountSettings(String adminPassword, Boolean cookieSecure, int apiKeyRatePerMinute, String oidcIssuer,
                              String oidcClientId, String oidcClientSecret, String oidcName) {

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
    }

    /** Reads the settings from the environment. */
    public static AccountSettings fromEnvironment(java.util.Map<String, String> env) {
        String secure = blankToNull(env.get("MAGNET_COOKIE_SECURE"));
        String rate = blankToNull(env.get("MAGNET_API_KEY_RATE_LIMIT"));
        int perMinute;
        try {
            perMinute = rate == null ? 600 : Integer.parseInt(rate.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("MAGNET_API_KEY_RATE_LIMIT must be a whole number, was '" + rate + "'");
        }
        return new AccountSettings(env.get("MAGNET_ADMIN_PASSWORD"), secure == null ? null : Boolean.parseBoolean(secure.trim()),
                perMinute, env.get("MAGNET_OIDC_ISSUER"), env.get("MAGNET_OIDC_CLIENT_ID"),
                env.get("MAGNET_OIDC_CLIENT_SECRET"), env.get("MAGNET_OIDC_NAME"));
    }

    public boolean oidcEnabled() {
        return oidcIssuer != null;
    }

    @Override
    public String toString() {
        // why: the record's default toString would print the admin password and the client secret
        return "AccountSettings[oidc=" + (oidcEnabled() ? oidcIssuer : "off") + ", cookieSecure="
                + (cookieSecure == null ? "auto" : cookieSecure) + ", apiKeyRatePerMinute=" + apiKeyRatePerMinute + "]";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
