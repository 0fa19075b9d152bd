package dev.magnet.environment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a phase of a session (setup, or the agent) may reach through the egress proxy (SPEC §5): nothing, the package
 * registries (an operator-editable list), everything, or an allowlist of hosts (optionally with ports, {@code *.} for
 * any subdomain) and optionally HTTP methods. Written as {@code "none"}, {@code "registries"}, {@code "full"} or
 * {@code {"allow": ["pypi.org", "*.example.com:443"], "methods": ["GET", "HEAD"]}}.
 */
public sealed interface NetworkPolicy {
    int MAX_HOSTS = 200;
    Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    /** A host name (or {@code *.} and a domain), then optionally {@code :port}. */
    Pattern HOST = Pattern.compile("^(\\*\\.)?[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*(:[0-9]{1,5})?$");

    /** No connection leaves the sandbox. */
    record None() implements NetworkPolicy {
    }

    /** The package registries the operator lists. */
    record Registries() implements NetworkPolicy {
    }

    /** Any public host (never the server's internal addresses). */
    record Full() implements NetworkPolicy {
    }

    /**
     * Only these hosts, and with {@code methods} only these HTTP methods (methods can be seen only in plain HTTP
     * requests; an HTTPS connection through the proxy is allowed by host alone when {@code methods} is empty).
     */
    record Allow(List<String> hosts, List<String> methods) implements NetworkPolicy {
        public Allow {
            hosts = List.copyOf(hosts);
            methods = List.copyOf(methods);
        }
    }

    /** The default for setup: the package registries. */
    static NetworkPolicy setupDefault() {
        return new Registries();
    }

    /** The default for the agent: nothing. */
    static NetworkPolicy agentDefault() {
        return new None();
    }

    /** The policy as written in the API. */
    default Object wire() {
        return switch (this) {
            case None n -> "none";
            case Registries r -> "registries";
            case Full f -> "full";
            case Allow a -> {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("allow", a.hosts());
                if (!a.methods().isEmpty()) {
                    out.put("methods", a.methods());
                }
                yield out;
            }
        };
    }

    /**
     * Reads a policy as written in the API.
     *
     * @throws IllegalArgumentException saying what is wrong, naming {@code field}
     */
    static NetworkPolicy parse(JsonNode node, String field) {
        if (node.isTextual()) {
            return switch (node.asText()) {
                case "none" -> new None();
                case "registries" -> new Registries();
                case "full" -> new Full();
                default -> throw new IllegalArgumentException(field + " must be \"none\", \"registries\", \"full\" or "
                        + "{\"allow\": [hosts], \"methods\": [...]}, was \"" + shown(node.asText()) + "\"");
            };
        }
        if (!node.isObject() || !node.path("allow").isArray()) {
            throw new IllegalArgumentException(field + " must be \"none\", \"registries\", \"full\" or "
                    + "{\"allow\": [hosts], \"methods\": [...]}");
        }
        node.fieldNames().forEachRemaining(name -> {
            if (!name.equals("allow") && !name.equals("methods")) {
                throw new IllegalArgumentException(field + " has an unknown field '" + shown(name) + "' (allow, methods)");
            }
        });
        List<String> hosts = new ArrayList<>();
        for (JsonNode h : node.path("allow")) {
            String host = h.isTextual() ? h.asText().trim().toLowerCase(Locale.ROOT) : "";
            if (!HOST.matcher(host).matches() || host.length() > 260 || !validPort(host)) {
                throw new IllegalArgumentException(field + ".allow: '" + shown(h.asText()) + "' is not a host name, "
                        + "*.domain or host:port");
            }
            if (!hosts.contains(host)) {
                hosts.add(host);
            }
        }
        if (hosts.isEmpty() || hosts.size() > MAX_HOSTS) {
            throw new IllegalArgumentException(field + ".allow must name 1 to " + MAX_HOSTS + " hosts");
        }
        List<String> methods = new ArrayList<>();
        JsonNode m = node.path("methods");
        if (!m.isMissingNode() && !m.isNull()) {
            if (!m.isArray()) {
                throw new IllegalArgumentException(field + ".methods must be a list of HTTP methods");
            }
            for (JsonNode method : m) {
                String name = method.asText().toUpperCase(Locale.ROOT);
                if (!method.isTextual() || !METHODS.contains(name)) {
                    throw new IllegalArgumentException(field + ".methods: '" + shown(method.asText())
                            + "' is not one of " + new java.util.TreeSet<>(METHODS));
                }
                if (!methods.contains(name)) {
                    methods.add(name);
                }
            }
        }
        return new Allow(hosts, methods);
    }

    private static boolean validPort(String host) {
        int colon = host.lastIndexOf(':');
        if (colon < 0) {
            return true;
        }
        int port = Integer.parseInt(host.substring(colon + 1));
        return port >= 1 && port <= 65535;
    }

    private static String shown(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
