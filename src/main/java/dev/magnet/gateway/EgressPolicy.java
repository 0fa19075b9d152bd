package dev.magnet.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which destinations a sandbox may open through the egress proxy: any public host, or hosts matched by rules
 * ({@code host}, {@code host:port}, {@code *.domain} for its subdomains, {@code *.domain:port}); a rule without a port
 * allows every port. A rule may name the HTTP methods it allows: they are checked on plain-HTTP requests, while an
 * HTTPS connection (CONNECT) is end-to-end encrypted and checked by host and port only. Nothing is allowed by default.
 * Internal addresses are refused whatever the policy says, unless the operator allows them (see {@link EgressProxy}).
 */
public record EgressPolicy(boolean anyHost, List<Rule> rules) {
    public EgressPolicy {
        rules = List.copyOf(rules);
    }

    /** One allowed destination. */
    public record Rule(String host, boolean subdomains, int port, Set<String> methods) {
        public Rule {
            host = host.toLowerCase(Locale.ROOT);
            methods = Set.copyOf(methods);
        }

        /**
         * Reads {@code host}, {@code host:port}, {@code *.domain} or {@code *.domain:port}.
         *
         * @throws IllegalArgumentException when it is none of them
         */
        public static Rule parse(String entry, Set<String> methods) {
            String e = entry.trim().toLowerCase(Locale.ROOT);
            int port = -1;
            int colon = e.lastIndexOf(':');
            if (colon > 0 && !e.contains("]")) {
                try {
                    port = Integer.parseInt(e.substring(colon + 1));
                } catch (NumberFormatException bad) {
                    throw new IllegalArgumentException("'" + entry + "' has no valid port");
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("'" + entry + "' has no valid port");
                }
                e = e.substring(0, colon);
            }
            boolean subdomains = e.startsWith("*.");
            String host = subdomains ? e.substring(2) : e;
            if (host.isEmpty() || !host.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
                throw new IllegalArgumentException("'" + entry + "' is not a host name, *.domain or host:port");
            }
            return new Rule(host, subdomains, port, methods);
        }

        boolean matches(String h, int p) {
            boolean hostMatches = subdomains ? h.endsWith("." + host) : h.equals(host);
            return hostMatches && (port < 0 || port == p);
        }

        @Override
        public String toString() {
            return (subdomains ? "*." : "") + host + (port < 0 ? "" : ":" + port) + (methods.isEmpty() ? "" : " " + methods);
        }
    }

    /** Nothing is allowed. */
    public static EgressPolicy denyAll() {
        return new EgressPolicy(false, List.of());
    }

    /** Any public host. */
    public static EgressPolicy anyPublicHost() {
        return new EgressPolicy(true, List.of());
    }

    /**
     * Rules from entries such as {@code pypi.org}, {@code *.example.com:443}, every one allowing {@code methods}
     * (empty: every method).
     *
     * @throws IllegalArgumentException when an entry is not a rule
     */
    public static EgressPolicy allowing(List<String> entries, Set<String> methods) {
        List<Rule> rules = new ArrayList<>();
        for (String entry : entries) {
            if (!entry.isBlank()) {
                rules.add(Rule.parse(entry, methods));
            }
        }
        return new EgressPolicy(false, rules);
    }

    /** Parses the operator's comma-separated list ({@code MAGNET_EGRESS_ALLOW}), e.g. {@code repo.maven.apache.org:443}. */
    public static EgressPolicy parse(String list) {
        if (list == null || list.isBlank()) {
            return denyAll();
        }
        try {
            return allowing(List.of(list.split(",")), Set.of());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("MAGNET_EGRESS_ALLOW: " + e.getMessage(), e);
        }
    }

    /** What this policy or {@code other} allows. */
    public EgressPolicy plus(EgressPolicy other) {
        List<Rule> both = new ArrayList<>(rules);
        both.addAll(other.rules);
        return new EgressPolicy(anyHost || other.anyHost, both);
    }

    /** Whether a connection to {@code host:port} may be opened (an HTTPS tunnel, or before a plain request's method is known). */
    public boolean allows(String host, int port) {
        String h = host.toLowerCase(Locale.ROOT);
        return anyHost || rules.stream().anyMatch(r -> r.matches(h, port));
    }

    /** Whether a plain-HTTP request with this method to {@code host:port} may go through. */
    public boolean allows(String host, int port, String method) {
        String h = host.toLowerCase(Locale.ROOT);
        String m = method.toUpperCase(Locale.ROOT);
        return anyHost || rules.stream().anyMatch(r -> r.matches(h, port) && (r.methods().isEmpty() || r.methods().contains(m)));
    }

    /** The policy for people: {@code any public host}, {@code nothing}, or its rules. */
    public List<String> describe() {
        if (anyHost) {
            return List.of("any public host");
        }
        return rules.isEmpty() ? List.of() : rules.stream().map(Rule::toString).toList();
    }
}
