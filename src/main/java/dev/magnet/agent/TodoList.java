package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.events.EventData;
import dev.magnet.events.NewEvent;

import dev.magnet.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The agent's task list, rebuilt from its tool calls so that every change can be shown as a whole
 * {@code todo} event of {@code {id, title, status}} items.
 *
 * <p>Claude Code has two task tools. {@code TodoWrite} sends the whole list each time. The Task tools
 * ({@code TaskCreate}, {@code TaskUpdate}, {@code TaskList}) change one task at a time, and the CLI
 * assigns the ids ("1", "2", ...), so those are read from the tool results. Which one the agent gets
 * depends on the CLI: 2.1.328 offers the Task tools for models such as {@code claude-opus-4-6},
 * {@code TodoWrite} only with {@code CLAUDE_CODE_ENABLE_TASKS=0}, and neither for the newest models.
 */
final class TodoList {
    static final String TODO_WRITE = "TodoWrite";
    static final String TASK_CREATE = "TaskCreate";
    static final String TASK_UPDATE = "TaskUpdate";
    static final String TASK_LIST = "TaskList";
    // why: Set.of(...).contains(null) throws, so callers check for null first
    private static final Set<String> STATUSES = Set.of("pending", "in_progress", "completed");

    private final Map<String, EventData.Todo.Item> items = new LinkedHashMap<>();

    static boolean isTaskTool(String toolName) {
        return TASK_CREATE.equals(toolName) || TASK_UPDATE.equals(toolName) || TASK_LIST.equals(toolName);
    }

    /** Replaces the list with a {@code TodoWrite} input; ids are the given ones or the 1-based position. */
    NewEvent replaceWith(JsonNode todoWriteInput) {
        items.clear();
        int position = 0;
        for (JsonNode todo : Json.at(todoWriteInput, "todos")) {
            position++;
            String id = firstText(todo, "id").orElse(String.valueOf(position));
            put(id, firstText(todo, "content", "subject").orElse(""), Json.text(todo, "status"));
        }
        return event();
    }

    /** Applies a successful Task tool result; empty when it changed nothing. */
    Optional<NewEvent> apply(String toolName, JsonNode input, JsonNode result) {
        boolean changed = switch (toolName) {
            case TASK_CREATE -> created(Json.at(result, "task"));
            case TASK_UPDATE -> updated(input, result);
            case TASK_LIST -> listed(Json.at(result, "tasks"));
            default -> false;
        };
        return changed ? Optional.of(event()) : Optional.empty();
    }

    private boolean created(JsonNode task) {
        String id = Json.text(task, "id");
        if (id == null) {
            return false;
        }
        put(id, firstText(task, "subject").orElse(""), Json.text(task, "status"));
        return true;
    }

    private boolean updated(JsonNode input, JsonNode result) {
        if (Json.at(result, "success").isBoolean() && !Json.isTrue(result, "success")) {
            return false;
        }
        Optional<String> id = firstText(result, "taskId").or(() -> firstText(input, "taskId"));
        if (id.isEmpty()) {
            return false;
        }
        String status = firstText(Json.at(result, "statusChange"), "to").orElse(Json.text(input, "status"));
        if ("deleted".equals(status)) {
            return items.remove(id.get()) != null;
        }
        EventData.Todo.Item known = items.get(id.get());
        String title = firstText(input, "subject")
                .orElse(known == null ? "Task " + id.get() : known.title());
        put(id.get(), title, status == null && known != null ? known.status() : status);
        return true;
    }

    private boolean listed(JsonNode tasks) {
        if (!tasks.isArray()) {
            return false;
        }
        items.clear();
        for (JsonNode task : tasks) {
            created(task);
        }
        return true;
    }

    private void put(String id, String title, String status) {
        items.put(id, new EventData.Todo.Item(id, title, status != null && STATUSES.contains(status) ? status : "pending"));
    }

    private NewEvent event() {
        return NewEvent.of(new EventData.Todo(List.copyOf(items.values())));
    }

    private static Optional<String> firstText(JsonNode node, String... fields) {
        for (String field : fields) {
            String value = Json.text(node, field);
            if (value != null) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }
}
