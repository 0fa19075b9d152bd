package dev.magnet.environment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shape of an environment in the API: secrets by name only, never their values. */
final class EnvironmentView {
    private EnvironmentView() {
    }

    static Map<String, Object> of(Environment e) {
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("setup", e.setupNetwork().wire());
        network.put("agent", e.agentNetwork().wire());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", e.id());
        out.put("name", e.name());
        out.put("repo", e.repo());
        out.put("branch", e.branch());
        out.put("image", e.image());
        out.put("setupScript", e.setupScript());
        out.put("runScript", e.runScript());
        out.put("previewPort", e.previewPort());
        out.put("checkFollowUps", e.checkFollowUps());
        out.put("env", e.env());
        out.put("secrets", List.copyOf(new java.util.TreeSet<>(e.secretNames())));
        out.put("network", network);
        out.put("cache", e.cache() == null ? null : e.cache().wire());
        out.put("enabled", e.enabled());
        out.put("default", e.isDefault());
        out.put("createdAt", e.createdAt().toString());
        out.put("updatedAt", e.updatedAt().toString());
        return out;
    }
}
