package dev.magnet.environment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.events.Redactor;
import dev.magnet.git.BranchName;
import dev.magnet.web.InvalidRequestException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * An environment's editable fields after a request's changes, checked: a creation applies the request to the defaults,
 * a {@code PATCH} to the environment as it is. Fields left out keep their value; JSON {@code null} clears an optional
 * one. {@code env} is replaced whole; {@code secrets} are changed by name ({@code null} removes one), since they cannot
 * be read back; {@code network} is changed per phase.
 */
record EnvironmentDraft(String name, String repo, String branch, String image, String setupScript, String runScript,
                        Integer previewPort, Integer checkFollowUps, Map<String, String> env, NetworkPolicy setupNetwork, NetworkPolicy agentNetwork,
                        SetupCache cache, boolean enabled, boolean isDefault, Map<String, String> secretChanges) {
    static final Set<String> FIELDS = Set.of("name", "repo", "branch", "image", "setupScript", "runScript", "previewPort",
            "checkFollowUps", "env", "secrets", "network", "cache", "enabled", "default");
    static final int MAX_NAME = 100;
    /** The most follow-ups from failed checks per pull request an environment may ask for. */
    static final int MAX_CHECK_FOLLOW_UPS = 20;
    static final int MAX_SCRIPT = 64 * 1024;
    static final int MAX_VARIABLES = 100;
    static final int MAX_VALUE = 32 * 1024;
    private static final Pattern VARIABLE = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,99}$");
    private static final Pattern IMAGE = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,63}$");
    /** Ports inside the sandbox that Magnet's own bridges use (the model relay, the egress proxy). */
    private static final Set<Integer> TAKEN_PORTS = Set.of(18095, 3128);
    /** Variables Magnet sets for the agent itself; an environment may not replace them. */
    private static final Set<String> RESERVED = Set.of("HOME", "TMPDIR", "TERM", "IS_SANDBOX", "DISABLE_AUTOUPDATER",
            "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY");
    private static final String[] RESERVED_PREFIXES = {"ANTHROPIC_", "CLAUDE_", "MAGNET_"};

    /** The starting point of a new environment: setup may reach the registries, the agent nothing. */
    static EnvironmentDraft defaults() {
        return new EnvironmentDraft(null, null, null, null, null, null, null, null, Map.of(), NetworkPolicy.setupDefault(),
                NetworkPolicy.agentDefault(), null, true, false, Map.of());
    }

    /** The draft of an environment as it is (no secret changes). */
    static EnvironmentDraft of(Environment e) {
        return new EnvironmentDraft(e.name(), e.repo(), e.branch(), e.image(), e.setupScript(), e.runScript(),
                e.previewPort(), e.checkFollowUps(), e.env(), e.setupNetwork(), e.agentNetwork(), e.cache(), e.enabled(), e.isDefault(), Map.of());
    }

    /**
     * This draft with a request's changes, every value checked.
     *
     * @param repoNames turns what a user wrote as a repository into its canonical name, or throws
     *                  {@link IllegalArgumentException} saying why it is refused
     * @param secretNames the secrets the environment has now, to refuse a variable of the same name
     * @throws InvalidRequestException naming the field that is wrong
     */
    EnvironmentDraft with(JsonNode body, UnaryOperator<String> repoNames, Set<String> secretNames) {
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                throw new InvalidRequestException(field, "unknown field " + field + " (known: " + new java.util.TreeSet<>(FIELDS) + ")");
            }
        }
        String newName = body.has("name") ? name(body.get("name")) : name;
        String newRepo = body.has("repo") ? repo(body.get("repo"), repoNames) : repo;
        String newBranch = body.has("branch") ? branch(body.get("branch")) : branch;
        String newImage = body.has("image") ? image(body.get("image")) : image;
        String newSetup = body.has("setupScript") ? script(body.get("setupScript"), "setupScript") : setupScript;
        String newRun = body.has("runScript") ? script(body.get("runScript"), "runScript") : runScript;
        Integer newPort = body.has("previewPort") ? port(body.get("previewPort")) : previewPort;
        Integer newChecks = body.has("checkFollowUps") ? checkFollowUps(body.get("checkFollowUps")) : checkFollowUps;
        Map<String, String> newEnv = body.has("env") ? variables(body.get("env")) : env;
        Map<String, String> newSecrets = body.has("secrets") ? secrets(body.get("secrets")) : Map.of();
        NetworkPolicy newSetupNet = setupNetwork;
        NetworkPolicy newAgentNet = agentNetwork;
        if (body.has("network")) {
            JsonNode network = body.get("network");
            if (!network.isObject()) {
                throw new InvalidRequestException("network", "network must be {\"setup\": POLICY, \"agent\": POLICY}");
            }
            network.fieldNames().forEachRemaining(phase -> {
                if (!phase.equals("setup") && !phase.equals("agent")) {
                    throw new InvalidRequestException("network", "network has no phase '" + phase + "' (setup, agent)");
                }
            });
            newSetupNet = network.has("setup") ? policy(network.get("setup"), "network.setup") : setupNetwork;
            newAgentNet = network.has("agent") ? policy(network.get("agent"), "network.agent") : agentNetwork;
        }
        SetupCache newCache = cache;
        if (body.has("cache")) {
            try {
                newCache = body.get("cache").isNull() ? null : SetupCache.parse(body.get("cache"));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("cache", e.getMessage());
            }
        }
        boolean newEnabled = body.has("enabled") ? bool(body.get("enabled"), "enabled") : enabled;
        boolean newDefault = body.has("default") ? bool(body.get("default"), "default") : isDefault;
        if (newName == null) {
            throw new InvalidRequestException("name", "name is required");
        }
        for (String variable : newEnv.keySet()) {
            boolean secretStays = secretNames.contains(variable) && !(newSecrets.containsKey(variable)
                    && newSecrets.get(variable) == null);
            if (secretStays || newSecrets.get(variable) != null) {
                throw new InvalidRequestException("env", variable + " is both a variable and a secret; keep one");
            }
        }
        return new EnvironmentDraft(newName, newRepo, newBranch, newImage, newSetup, newRun, newPort, newChecks, newEnv, newSetupNet,
                newAgentNet, newCache, newEnabled, newDefault, newSecrets);
    }

    private static String name(JsonNode v) {
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new InvalidRequestException("name", "name must be a non-empty string");
        }
        String n = v.asText().strip();
        if (n.length() > MAX_NAME || n.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("name", "name must be one line of at most " + MAX_NAME + " characters");
        }
        return n;
    }

    private static String repo(JsonNode v, UnaryOperator<String> repoNames) {
        if (v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidRequestException("repo", "repo must be a string");
        }
        try {
            return repoNames.apply(v.asText().trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("repo", e.getMessage());
        }
    }

    private static String branch(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidRequestException("branch", "branch must be a string");
        }
        try {
            return BranchName.of(v.asText()).value();
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("branch", e.getMessage());
        }
    }

    private static String image(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (!v.isTextual() || !IMAGE.matcher(v.asText()).matches()) {
            throw new InvalidRequestException("image", "image must be an image name: lower-case letters, digits, '.', "
                    + "'_' and '-', at most 64");
        }
        return v.asText();
    }

    private static String script(JsonNode v, String field) {
        if (v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            return null;
        }
        if (!v.isTextual() || v.asText().length() > MAX_SCRIPT || v.asText().indexOf('\0') >= 0) {
            throw new InvalidRequestException(field, field + " must be a script of at most " + MAX_SCRIPT + " characters");
        }
        return v.asText();
    }

    private static Integer checkFollowUps(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (!v.isInt() || v.intValue() < 0 || v.intValue() > MAX_CHECK_FOLLOW_UPS) {
            throw new InvalidRequestException("checkFollowUps", "checkFollowUps must be a whole number from 0 (off) to "
                    + MAX_CHECK_FOLLOW_UPS + ", or null for the server's setting");
        }
        return v.intValue();
    }

    private static Integer port(JsonNode v) {
        if (v.isNull()) {
            return null;
        }
        if (!v.isInt() || v.intValue() < 1 || v.intValue() > 65535) {
            throw new InvalidRequestException("previewPort", "previewPort must be a port number, 1 to 65535");
        }
        if (TAKEN_PORTS.contains(v.intValue())) {
            throw new InvalidRequestException("previewPort", "port " + v.intValue() + " is used inside the sandbox by "
                    + "Magnet itself (" + TAKEN_PORTS + "); pick another");
        }
        return v.intValue();
    }

    private static Map<String, String> variables(JsonNode v) {
        if (v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw new InvalidRequestException("env", "env must be an object of variable names to string values");
        }
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            checkName(e.getKey(), "env");
            if (!e.getValue().isTextual() || e.getValue().asText().length() > MAX_VALUE
                    || e.getValue().asText().indexOf('\0') >= 0) {
                throw new InvalidRequestException("env", "env." + e.getKey() + " must be a string of at most " + MAX_VALUE
                        + " characters");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        if (out.size() > MAX_VARIABLES) {
            throw new InvalidRequestException("env", "env may hold at most " + MAX_VARIABLES + " variables");
        }
        return out;
    }

    private static Map<String, String> secrets(JsonNode v) {
        if (!v.isObject()) {
            throw new InvalidRequestException("secrets", "secrets must be an object of names to values (null removes one)");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            checkName(e.getKey(), "secrets");
            JsonNode value = e.getValue();
            if (value.isNull()) {
                out.put(e.getKey(), null);
            } else if (!value.isTextual() || value.asText().length() < Redactor.MIN_SECRET_LENGTH
                    || value.asText().length() > MAX_VALUE || value.asText().indexOf('\0') >= 0) {
                throw new InvalidRequestException("secrets", "secrets." + e.getKey() + " must be a string of "
                        + Redactor.MIN_SECRET_LENGTH + " to " + MAX_VALUE + " characters (a shorter value cannot be "
                        + "redacted from what Magnet shows), or null to remove it");
            } else {
                out.put(e.getKey(), value.asText());
            }
        }
        if (out.size() > MAX_VARIABLES) {
            throw new InvalidRequestException("secrets", "at most " + MAX_VARIABLES + " secrets");
        }
        return out;
    }

    private static void checkName(String name, String field) {
        if (!VARIABLE.matcher(name).matches()) {
            throw new InvalidRequestException(field, "'" + (name.length() > 60 ? name.substring(0, 60) + "…" : name)
                    + "' is not a variable name (letters, digits and '_', not starting with a digit, at most 100)");
        }
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        boolean reserved = RESERVED.contains(upper);
        for (String prefix : RESERVED_PREFIXES) {
            reserved |= upper.startsWith(prefix);
        }
        if (reserved) {
            throw new InvalidRequestException(field, name + " is set by Magnet for the agent and cannot be replaced "
                    + "(reserved: " + RESERVED + " and names starting with ANTHROPIC_, CLAUDE_ or MAGNET_)");
        }
    }

    private static NetworkPolicy policy(JsonNode v, String field) {
        try {
            return NetworkPolicy.parse(v, field);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("network", e.getMessage());
        }
    }

    private static boolean bool(JsonNode v, String field) {
        if (!v.isBoolean()) {
            throw new InvalidRequestException(field, field + " must be true or false");
        }
        return v.booleanValue();
    }
}
