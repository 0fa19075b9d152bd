package dev.magnet.gateway;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which {@code host:port} destinations a sandbox may open through the egress proxy. Empty (nothing) by
 * default; environment policies will widen it per session later.
 */
public record EgressPolicy(Set<String> allowedHostPorts) {
    public EgressPolicy {
        allowedHostPorts = allowedHostPorts.stream().map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    /** Nothing is allowed. */
    public static EgressPolicy denyAll() {
        return new EgressPolicy(Set.of());
    }

    /** Parses a comma-separated list such as {@code repo.maven.apache.org:443,registry.npmjs.org:443}. */
    public static EgressPolicy parse(String list) {
        return list == null ? denyAll() : new EgressPolicy(Set.of(list.split(",")));
    }

    public boolean allows(String host, int port) {
        return allowedHostPorts.contains(host.toLowerCase(Locale.ROOT) + ":" + port);
    }
}
