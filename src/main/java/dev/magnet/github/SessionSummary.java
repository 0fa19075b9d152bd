package dev.magnet.github;

import dev.magnet.events.Event;
import dev.magnet.events.EventType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a session did, for its pull request's body: every turn's result in order, and the test commands the agent ran
 * with their outcome.
 */
public record SessionSummary(List<String> turns, List<TestRun> tests) {
    /** Commands that run tests: the usual test runners and build tools' test goals. */
    private static final Pattern TEST_COMMAND = Pattern.compile(
            "\\b(pytest|jest|vitest|mocha|rspec|phpunit|go test|cargo test|mvn\\b[^|;&]*\\b(test|verify)|gradlew?\\b[^|;&]*\\b(test|check)"
                    + "|npm (run )?test|yarn test|pnpm test|make (test|check)|tox|python3? -m (pytest|unittest)|ctest|dotnet test)\\b");

    public SessionSummary {
        turns = List.copyOf(turns);
        tests = List.copyOf(tests);
    }

    /** A test command and whether it passed (its tool result was not an error). */
    public record TestRun(String command, boolean passed) {
    }

    /** The summary from the session's {@code turn_result}, {@code tool_use} and {@code tool_result} events, in order. */
    public static SessionSummary of(List<Event> events) {
        List<String> turns = new ArrayList<>();
        Map<String, String> commands = new HashMap<>();
        List<String> order = new ArrayList<>();
        Map<String, Boolean> passed = new HashMap<>();
        for (Event e : events) {
            Map<String, Object> d = e.data();
            if (e.type() == EventType.TURN_RESULT && Boolean.TRUE.equals(d.get("success")) && d.get("result") instanceof String r
                    && !r.isBlank()) {
                turns.add(r.strip());
            } else if (e.type() == EventType.TOOL_USE && "Bash".equals(d.get("name")) && d.get("input") instanceof Map<?, ?> input
                    && input.get("command") instanceof String command && TEST_COMMAND.matcher(command).find()) {
                String id = String.valueOf(d.get("toolUseId"));
                commands.put(id, command.strip());
                order.add(id);
            } else if (e.type() == EventType.TOOL_RESULT && commands.containsKey(String.valueOf(d.get("toolUseId")))) {
                passed.put(String.valueOf(d.get("toolUseId")), !Boolean.TRUE.equals(d.get("isError")));
            }
        }
        List<TestRun> tests = new ArrayList<>();
        for (String id : order) {
            if (passed.containsKey(id)) {
                tests.add(new TestRun(commands.get(id), passed.get(id)));
            }
        }
        return new SessionSummary(turns, tests);
    }

    /** The last turn's result, or null. */
    public String last() {
        return turns.isEmpty() ? null : turns.get(turns.size() - 1);
    }
}
