package dev.magnet.session;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shape of a session in the API (SPEC §4). */
public final class SessionView {
    private SessionView() {
    }

    public static Map<String, Object> of(Session s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("title", s.title());
        m.put("status", s.status().wire());
        m.put("phase", s.phase().wire());
        m.put("failure", s.failure() == null ? null : Map.of("reason", s.failure().reason().wire(),
                "message", s.failure().message(), "phase", s.failure().phase().wire()));
        m.put("prompt", s.prompt());
        m.put("repo", s.repo());
        m.put("baseBranch", s.baseBranch());
        m.put("branch", s.branch());
        m.put("model", s.model());
        m.put("author", Map.of("id", s.author().id(), "name", s.author().name()));
        m.put("createdAt", s.createdAt().toString());
        m.put("updatedAt", s.updatedAt().toString());
        m.put("pr", s.pr() == null ? null : Map.of("number", s.pr().number(), "url", s.pr().url(), "state", s.pr().state()));
        m.put("retryOf", s.retryOf());
        m.put("messageCount", s.messageCount());
        m.put("cost", Map.of("usd", s.cost().usd(), "inputTokens", s.cost().inputTokens(),
                "outputTokens", s.cost().outputTokens()));
        if (!s.history().isEmpty()) {
            m.put("phases", s.history().stream().map(c -> {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("status", c.status().wire());
                p.put("phase", c.phase().wire());
                p.put("reason", c.reason());
                p.put("at", c.at().toString());
                return p;
            }).toList());
        }
        return m;
    }

    /** The full view of one session: with its conversation and the agent's task list. */
    public static Map<String, Object> detailed(Session s, List<Map<String, Object>> messages, List<Object> tasks) {
        Map<String, Object> m = of(s);
        m.put("messages", messages);
        m.put("tasks", tasks);
        return m;
    }

    public static Map<String, Object> stats(SessionStats st) {
        return Map.of("sessionsThisWeek", st.sessionsThisWeek(), "mergedPrsThisWeek", st.mergedPrsThisWeek(),
                "activeAuthors", st.activeAuthors(), "activeNow", st.activeNow());
    }
}
