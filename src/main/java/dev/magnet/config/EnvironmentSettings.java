package dev.magnet.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The server's side of environments (SPEC §5).
 *
 * @param registries   what the {@code registries} network policy allows ({@code MAGNET_REGISTRIES}, comma-separated
 *                     {@code host}, {@code host:port} or {@code *.domain}; by default the public registries of npm, PyPI,
 *                     Maven Central, Debian, crates.io, the Go module proxy and RubyGems)
 * @param setupTimeout how long a setup script may run before the session fails {@code timeout}
 *                     ({@code MAGNET_SETUP_TIMEOUT_SECONDS}, 1800)
 * @param privateAddresses hosts and CIDR ranges sandboxes may reach through the egress proxy although loopback,
 *                     link-local or private ({@code MAGNET_EGRESS_PRIVATE_ADDRESSES}; none by default, and never
 *                     Magnet's own ports)
 * @param setupCacheTtl how long a setup cache snapshot is used after it was made ({@code MAGNET_SETUP_CACHE_TTL},
 *                     7 days; seconds, or a number with {@code s}, {@code m}, {@code h} or {@code d})
 * @param setupCacheMaxBytes the size all snapshots may take together before the least recently used go
 *                     ({@code MAGNET_SETUP_CACHE_MAX_MB}, 51200)
 * @param previewUrl   the template of sessions' preview origins ({@code MAGNET_PREVIEW_URL},
 *                     {@code http://{id}.preview.localhost:{port}/}; {@code {id}} is the session's short id)
 * @param previewBind  the address the preview proxy listens on ({@code MAGNET_PREVIEW_BIND}, 127.0.0.1)
 * @param previewPort  the preview proxy's port ({@code MAGNET_PREVIEW_PORT}, 7071; 0 picks a free one)
 */
public record EnvironmentSettings(List<String> registries, Duration setupTimeout, List<String> privateAddresses,
                                  Duration setupCacheTtl, long setupCacheMaxBytes, String previewUrl, String previewBind,
                                  int previewPort) {
    /** The default {@code registries} list. */
    public static final List<String> DEFAULT_REGISTRIES = List.of(
            "registry.npmjs.org:443", "registry.yarnpkg.com:443",
            "pypi.org:443", "files.pythonhosted.org:443",
            "repo.maven.apache.org:443", "repo1.maven.org:443",
            "deb.debian.org:80", "deb.debian.org:443", "security.debian.org:80", "security.debian.org:443",
            "crates.io:443", "index.crates.io:443", "static.crates.io:443",
            "proxy.golang.org:443", "sum.golang.org:443",
            "rubygems.org:443", "index.rubygems.org:443");

    public EnvironmentSettings {
        registries = List.copyOf(registries);
        privateAddresses = List.copyOf(privateAddresses);
        if (setupCacheTtl.isNegative() || setupCacheTtl.isZero() || setupCacheMaxBytes < 1) {
            throw new IllegalArgumentException("MAGNET_SETUP_CACHE_TTL and MAGNET_SETUP_CACHE_MAX_MB must be positive");
        }
        if (previewPort < 0 || previewPort > 65535) {
            throw new IllegalArgumentException("MAGNET_PREVIEW_PORT must be 0..65535, was " + previewPort);
        }
        if (setupTimeout.isNegative() || setupTimeout.isZero()) {
            throw new IllegalArgumentException("MAGNET_SETUP_TIMEOUT_SECONDS must be positive");
        }
    }

    public static EnvironmentSettings defaults() {
        return fromEnvironment(Map.of());
    }

    static EnvironmentSettings fromEnvironment(Map<String, String> env) {
        String registries = env.get("MAGNET_REGISTRIES");
        return new EnvironmentSettings(
                registries == null ? DEFAULT_REGISTRIES
                        : Arrays.stream(registries.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList(),
                Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_SETUP_TIMEOUT_SECONDS", 1800)),
                Arrays.stream(env.getOrDefault("MAGNET_EGRESS_PRIVATE_ADDRESSES", "").split(",")).map(String::strip)
                        .filter(s -> !s.isEmpty()).toList(),
                duration(env.getOrDefault("MAGNET_SETUP_CACHE_TTL", "7d")),
                MagnetConfig.parseLong(env, "MAGNET_SETUP_CACHE_MAX_MB", 51200) * 1024 * 1024,
                env.getOrDefault("MAGNET_PREVIEW_URL", "http://{id}.preview.localhost:{port}/"),
                env.getOrDefault("MAGNET_PREVIEW_BIND", "127.0.0.1"),
                (int) MagnetConfig.parseLong(env, "MAGNET_PREVIEW_PORT", 7071));
    }

    /** {@code 3600}, {@code 3600s}, {@code 60m}, {@code 12h} or {@code 7d}. */
    private static Duration duration(String value) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            char unit = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofSeconds(Long.parseLong(v));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (unit) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException(value);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("MAGNET_SETUP_CACHE_TTL must be seconds or a number with s, m, h or d "
                    + "(e.g. 7d), was '" + value + "'");
        }
    }
}
