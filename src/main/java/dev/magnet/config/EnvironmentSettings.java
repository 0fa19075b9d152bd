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
 */
public record EnvironmentSettings(List<String> registries, Duration setupTimeout, List<String> privateAddresses) {
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
                        .filter(s -> !s.isEmpty()).toList());
    }
}
