package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.events.EventData;
import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;

import dev.magnet.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns the stdout lines of one Claude Code process ({@code --output-format stream-json --verbose
 * --include-partial-messages}) into session events and driver signals.
 *
 * <p>One instance per agent process: it remembers the names of the tools called so far, the task
 * list, the message being streamed, the retries of the current turn and the last cumulative cost. It
 * is not thread-safe; feed it from the one thread that reads stdout, in order. It never throws on an
 * unexpected line: unknown types map to nothing and missing fields to null.
 *
 * <p>Events and their data keys:
 * <ul>
 *   <li>{@code thinking}, {@code text}: {@code text, messageId, aborted} (one per completed block;
 *       {@code aborted} marks the partial block an interrupt cut off)</li>
 *   <li>{@code tool_use}: {@code toolUseId, name, input, aborted}</li>
 *   <li>{@code todo}: {@code items} of {@code {id, title, status}}, the whole list after each change</li>
 *   <li>{@code tool_result}: {@code toolUseId, toolName, output, isError, size, truncated}</li>
 *   <li>{@code file_change}: {@code path, kind (created|modified), diff, toolUseId}</li>
 *   <li>{@code delta}: {@code kind (text|thinking), messageId, index, text}</li>
 *   <li>{@code model_retry}: {@code attempt, maxRetries, delayMs, status, error}</li>
 *   <li>{@code error}: {@code message, status, errorType} (the CLI's synthetic API-error message)</li>
 *   <li>{@code turn_result}: {@code success, outcome, message, subtype, terminalReason, result, error,
 *       costUsd, turnCostUsd, inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens,
 *       durationMs, numTurns, apiErrorStatus, userMessageUuids}</li>
 * </ul>
 * Events from inside a sub-agent also carry {@code parentToolUseId}.
 */
public final class StreamJsonMapper {
    /** Tool output longer than this many chars is cut in {@code tool_result} events by default (16 KiB). */
    public static final int DEFAULT_MAX_OUTPUT_CHARS = 16 * 1024;
    private static final String SYNTHETIC_MODEL = "<synthetic>";

    private final int maxOutputChars;
    private final FileChanges fileChanges;
    private final TodoList todoList = new TodoList();
    private final Map<String, String> toolNames = new HashMap<>();
    private final Map<String, JsonNode> taskToolInputs = new HashMap<>();
    private String agentSessionId;
    private String streamingMessageId;
    private int retriesThisTurn;
    private Double lastTotalCostUsd;

    /**
     * @param workspaceRoot the agent's working directory as the CLI sees it; file paths inside it are
     *                      shown relative to it
     */
    public StreamJsonMapper(Path workspaceRoot) {
        this(workspaceRoot, DEFAULT_MAX_OUTPUT_CHARS);
    }

    /**
     * @param workspaceRoot  the agent's working directory as the CLI sees it (an absolute path)
     * @param maxOutputChars how many chars of a tool's output a {@code tool_result} event keeps
     */
    public StreamJsonMapper(Path workspaceRoot, int maxOutputChars) {
        Objects.requireNonNull(workspaceRoot, "workspaceRoot: pass the directory the CLI runs in");
        if (!workspaceRoot.isAbsolute()) {
            throw new IllegalArgumentException("workspaceRoot must be absolute, was " + workspaceRoot);
        }
        if (maxOutputChars <= 0) {
            throw new IllegalArgumentException("maxOutputChars must be positive, was " + maxOutputChars);
        }
        this.maxOutputChars = maxOutputChars;
        this.fileChanges = new FileChanges(workspaceRoot.normalize());
    }

    /**
     * Maps one stdout line to its events, ignoring the driver signals. Use either this or
     * {@link #mapLine(JsonNode)} for a given line, not both: both update the mapper's memory.
     */
    public List<NewEvent> map(JsonNode line) {
        return mapLine(line).events();
    }

    /** Maps one stdout line to its events, plus the turn outcome or message lifecycle it reports. */
    public MappedLine mapLine(JsonNode line) {
        String type = Json.text(line, "type");
        if (type == null) {
            return MappedLine.nothing();
        }
        return switch (type) {
            case "assistant" -> MappedLine.of(assistant(line));
            case "user" -> MappedLine.of(user(line));
            case "stream_event" -> MappedLine.of(streamEvent(line));
            case "system" -> MappedLine.of(system(line));
            case "result" -> result(line);
            case "command_lifecycle" -> lifecycle(line);
            default -> MappedLine.nothing();
        };
    }

    /** The CLI's session id from the last {@code system/init}: what {@code --resume} needs. */
    public Optional<String> agentSessionId() {
        return Optional.ofNullable(agentSessionId);
    }

    private List<NewEvent> assistant(JsonNode line) {
        JsonNode message = Json.at(line, "message");
        if (isApiErrorMessage(line, message)) {
            return List.of(apiError(line, message));
        }
        String messageId = Json.text(message, "id");
        boolean aborted = Json.isTrue(line, "aborted");
        JsonNode content = Json.at(message, "content");
        if (content.isTextual()) {
            return List.of(block(EventType.TEXT, content.asText(), messageId, aborted, line));
        }
        List<NewEvent> events = new ArrayList<>();
        for (JsonNode block : content) {
            String blockType = Json.text(block, "type");
            if ("thinking".equals(blockType) && Json.text(block, "thinking") != null) {
                events.add(block(EventType.THINKING, Json.text(block, "thinking"), messageId, aborted, line));
            } else if ("text".equals(blockType) && Json.text(block, "text") != null) {
                events.add(block(EventType.TEXT, Json.text(block, "text"), messageId, aborted, line));
            } else if ("tool_use".equals(blockType)) {
                events.addAll(toolUse(block, aborted, line));
            }
        }
        return events;
    }

    // why: after failed retries the CLI emits an assistant line with model "<synthetic>" and
    // is_api_error_message:true whose text is the API error; it is not the agent speaking
    private static boolean isApiErrorMessage(JsonNode line, JsonNode message) {
        return Json.isTrue(line, "is_api_error_message")
                || (SYNTHETIC_MODEL.equals(Json.text(message, "model")) && Json.text(line, "error") != null);
    }

    private static NewEvent apiError(JsonNode line, JsonNode message) {
        String errorType = Optional.ofNullable(Json.text(line, "api_error_type"))
                .or(() -> Optional.ofNullable(Json.text(line, "api_error")))
                .orElse(Json.text(line, "error"));
        return NewEvent.of(new EventData.ApiError(ToolOutput.textOf(Json.at(message, "content")),
                Json.integer(line, "api_error_status"), errorType));
    }

    private static NewEvent block(EventType type, String text, String messageId, boolean aborted, JsonNode line) {
        return NewEvent.of(type == EventType.THINKING
                ? new EventData.Thinking(text, messageId, aborted, parent(line))
                : new EventData.Text(text, messageId, aborted, parent(line)));
    }

    private List<NewEvent> toolUse(JsonNode block, boolean aborted, JsonNode line) {
        String id = Json.text(block, "id");
        String name = Json.text(block, "name");
        JsonNode input = Json.at(block, "input");
        if (id != null && name != null) {
            toolNames.put(id, name);
            if (TodoList.isTaskTool(name)) {
                taskToolInputs.put(id, input);
            }
        }
        List<NewEvent> events = new ArrayList<>();
        events.add(NewEvent.of(new EventData.ToolUse(id, name, Json.plain(input), aborted, parent(line))));
        if (TodoList.TODO_WRITE.equals(name)) {
            events.add(todoList.replaceWith(input));
        }
        return events;
    }

    private List<NewEvent> user(JsonNode line) {
        JsonNode content = Json.at(Json.at(line, "message"), "content");
        if (Json.isTrue(line, "isReplay") || !content.isArray()) {
            return List.of();
        }
        List<JsonNode> results = new ArrayList<>();
        content.forEach(block -> {
            if ("tool_result".equals(Json.text(block, "type"))) {
                results.add(block);
            }
        });
        List<NewEvent> events = new ArrayList<>();
        for (JsonNode result : results) {
            events.add(toolResult(result, line));
        }
        // why: tool_use_result belongs to the line, not to a block; the CLI sends one tool result per
        // line, so only then is it clear which call the structured result describes
        if (results.size() == 1) {
            events.addAll(structuredResult(results.getFirst(), Json.at(line, "tool_use_result")));
        }
        return events;
    }

    private NewEvent toolResult(JsonNode result, JsonNode line) {
        String toolUseId = Json.text(result, "tool_use_id");
        ToolOutput output = ToolOutput.of(Json.at(result, "content"), maxOutputChars);
        return NewEvent.of(new EventData.ToolResult(toolUseId, toolUseId == null ? null : toolNames.get(toolUseId),
                output.text(), Json.isTrue(result, "is_error"), output.size(), output.truncated(), parent(line)));
    }

    private List<NewEvent> structuredResult(JsonNode result, JsonNode structured) {
        String toolUseId = Json.text(result, "tool_use_id");
        JsonNode taskInput = toolUseId == null ? null : taskToolInputs.remove(toolUseId);
        if (Json.isTrue(result, "is_error") || !structured.isObject()) {
            return List.of();
        }
        List<NewEvent> events = new ArrayList<>();
        fileChanges.from(toolUseId, structured).ifPresent(events::add);
        String toolName = toolUseId == null ? null : toolNames.get(toolUseId);
        if (TodoList.isTaskTool(toolName)) {
            todoList.apply(toolName, taskInput, structured).ifPresent(events::add);
        }
        return events;
    }

    private List<NewEvent> streamEvent(JsonNode line) {
        JsonNode event = Json.at(line, "event");
        String eventType = Json.text(event, "type");
        if ("message_start".equals(eventType)) {
            streamingMessageId = Json.text(Json.at(event, "message"), "id");
            return List.of();
        }
        if (!"content_block_delta".equals(eventType)) {
            return List.of();
        }
        JsonNode delta = Json.at(event, "delta");
        String deltaType = String.valueOf(Json.text(delta, "type"));
        // why: a text_delta carries "text" and a thinking_delta "thinking", so the kind names the field
        String kind = switch (deltaType) {
            case "text_delta" -> "text";
            case "thinking_delta" -> "thinking";
            default -> null;
        };
        String text = kind == null ? null : Json.text(delta, kind);
        if (text == null) {
            return List.of();
        }
        String messageId = Optional.ofNullable(Json.text(line, "api_message_id")).orElse(streamingMessageId);
        return List.of(NewEvent.of(new EventData.Delta(kind, messageId, Json.integer(event, "index"), text, parent(line))));
    }

    private List<NewEvent> system(JsonNode line) {
        String subtype = String.valueOf(Json.text(line, "subtype"));
        if (subtype.equals("init") && Json.text(line, "session_id") != null) {
            agentSessionId = Json.text(line, "session_id");
        }
        if (!subtype.equals("api_retry")) {
            return List.of();
        }
        Integer attempt = Json.integer(line, "attempt");
        retriesThisTurn = attempt != null ? attempt : retriesThisTurn + 1;
        return List.of(NewEvent.of(new EventData.ModelRetry(attempt, Json.integer(line, "max_retries"),
                Json.longValue(line, "retry_delay_ms"), Json.integer(line, "error_status"), Json.text(line, "error"))));
    }

    private MappedLine result(JsonNode line) {
        TurnOutcome outcome = TurnOutcome.fromResult(line, retriesThisTurn);
        retriesThisTurn = 0;
        JsonNode usage = Json.at(line, "usage");
        Double totalCost = Json.decimal(line, "total_cost_usd");
        NewEvent event = NewEvent.of(new EventData.TurnResult(outcome.succeeded(),
                outcome.kind().name().toLowerCase(Locale.ROOT), outcome.message(), Json.text(line, "subtype"),
                outcome.terminalReason(), Json.text(line, "result"), outcome.errorText(), totalCost,
                turnCost(line, totalCost), Json.longValue(usage, "input_tokens"), Json.longValue(usage, "output_tokens"),
                Json.longValue(usage, "cache_read_input_tokens"), Json.longValue(usage, "cache_creation_input_tokens"),
                Json.longValue(line, "duration_ms"), Json.integer(line, "num_turns"), outcome.apiErrorStatus(),
                outcome.userMessageUuids()));
        if (totalCost != null) {
            lastTotalCostUsd = totalCost;
        }
        return MappedLine.ofOutcome(List.of(event), outcome);
    }

    // why: total_cost_usd is cumulative over the whole conversation (it even carries on after --resume,
    // observed with CLI 2.1.328); model_usage_since_last_result holds this turn's cost per model
    private Double turnCost(JsonNode line, Double totalCost) {
        JsonNode sinceLast = Json.at(line, "model_usage_since_last_result");
        if (sinceLast.isObject()) {
            double sum = 0;
            for (JsonNode model : sinceLast) {
                Double cost = Json.decimal(model, "costUSD");
                sum += cost == null ? 0 : cost;
            }
            return sum;
        }
        if (totalCost != null && lastTotalCostUsd != null) {
            return totalCost - lastTotalCostUsd;
        }
        return null;
    }

    private static MappedLine lifecycle(JsonNode line) {
        String commandUuid = Json.text(line, "command_uuid");
        Optional<CommandLifecycle.State> state = CommandLifecycle.State.fromWire(Json.text(line, "state"));
        if (commandUuid == null || state.isEmpty()) {
            return MappedLine.nothing();
        }
        return MappedLine.ofLifecycle(new CommandLifecycle(commandUuid, state.get()));
    }

    /** The tool call a sub-agent's line belongs to, or null for the main agent's. */
    private static String parent(JsonNode line) {
        return Json.text(line, "parent_tool_use_id");
    }
}
