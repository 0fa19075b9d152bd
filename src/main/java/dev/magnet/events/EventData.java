package dev.magnet.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an event says: one record per kind of event (SPEC §3). Jackson writes a record as the event's JSON
 * {@code data}, its components in order; a component marked {@code NON_NULL} is left out when null, every other one
 * is written, null included. Adding a kind of event: add a record here, its {@link EventType}, and a case where
 * clients read it (the UI's {@code timeline.js}, the CLI's {@code EventPrinter}).
 */
public sealed interface EventData {

    /** The kind of event this data is. */
    @JsonIgnore
    EventType type();

    /** A status or phase change, with its reason; a few carry what went with it. */
    record Status(String status, String phase, String reason,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String message,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Failure failure,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> sandbox,
                  @JsonInclude(JsonInclude.Include.NON_NULL) RelayUsage relay,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String branch,
                  @JsonInclude(JsonInclude.Include.NON_NULL) Boolean pushed) implements EventData {

        public Status {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(phase, "phase");
        }

        /** A plain status change: status, phase and reason. */
        public static Status of(String status, String phase, String reason) {
            return new Status(status, phase, reason, null, null, null, null, null, null);
        }

        public Status withFailure(Failure newFailure) {
            return new Status(status, phase, reason, newFailure.message(), newFailure, sandbox, relay, branch, pushed);
        }

        public Status withSandbox(Map<String, Object> description) {
            return new Status(status, phase, reason, message, failure, Map.copyOf(description), relay, branch, pushed);
        }

        public Status withRelay(RelayUsage usage) {
            return new Status(status, phase, reason, message, failure, sandbox, usage, branch, pushed);
        }

        public Status withPush(String pushedBranch, boolean wasPushed) {
            return new Status(status, phase, reason, message, failure, sandbox, relay, pushedBranch, wasPushed);
        }

        @Override
        public EventType type() {
            return EventType.STATUS;
        }

        /** Why a session failed: its reason, message and the phase it failed in. */
        public record Failure(String reason, String message, String phase) {
        }

        /** What the model relay metered for the session. */
        public record RelayUsage(long requests, long inputTokens, long outputTokens) {
        }
    }

    /** A prompt or follow-up accepted by Magnet. */
    record UserMessage(String messageId, String text, Person author, boolean queued, boolean followUp) implements EventData {
        @Override
        public EventType type() {
            return EventType.USER_MESSAGE;
        }

        /** Who wrote it. */
        public record Person(String id, String name) {
        }
    }

    /** A queued message was taken by the agent. */
    record MessageDelivered(String messageId) implements EventData {
        @Override
        public EventType type() {
            return EventType.MESSAGE_DELIVERED;
        }
    }

    /** The agent's reasoning, a whole block. */
    record Thinking(String text, String messageId, boolean aborted,
                    @JsonInclude(JsonInclude.Include.NON_NULL) String parentToolUseId) implements EventData {
        @Override
        public EventType type() {
            return EventType.THINKING;
        }
    }

    /** The agent's visible text, a whole block. */
    record Text(String text, String messageId, boolean aborted,
                @JsonInclude(JsonInclude.Include.NON_NULL) String parentToolUseId) implements EventData {
        @Override
        public EventType type() {
            return EventType.TEXT;
        }
    }

    /** Part of a text or thinking block while it streams; clients merge by message id and index. */
    record Delta(String kind, String messageId, Integer index, String text,
                 @JsonInclude(JsonInclude.Include.NON_NULL) String parentToolUseId) implements EventData {
        @Override
        public EventType type() {
            return EventType.DELTA;
        }
    }

    /** A tool call with its input. */
    record ToolUse(String toolUseId, String name, Object input, boolean aborted,
                   @JsonInclude(JsonInclude.Include.NON_NULL) String parentToolUseId) implements EventData {
        @Override
        public EventType type() {
            return EventType.TOOL_USE;
        }
    }

    /** A tool's output, cut at a sane size with the full size noted. */
    record ToolResult(String toolUseId, String toolName, String output, @JsonProperty("isError") boolean isError,
                      long size, boolean truncated,
                      @JsonInclude(JsonInclude.Include.NON_NULL) String parentToolUseId) implements EventData {
        @Override
        public EventType type() {
            return EventType.TOOL_RESULT;
        }
    }

    /** A file the agent created or edited, with a unified diff of the edit. */
    record FileChange(String path, String kind, String diff, String toolUseId) implements EventData {
        @Override
        public EventType type() {
            return EventType.FILE_CHANGE;
        }
    }

    /** The agent's task list. */
    record Todo(List<Item> items) implements EventData {
        public Todo {
            items = List.copyOf(items);
        }

        @Override
        public EventType type() {
            return EventType.TODO;
        }

        /** One task: {@code pending}, {@code in_progress} or {@code completed}. */
        public record Item(String id, String title, String status) {
        }
    }

    /** The model API is being retried, and why. */
    record ModelRetry(Integer attempt, Integer maxRetries, Long delayMs, Integer status, String error) implements EventData {
        @Override
        public EventType type() {
            return EventType.MODEL_RETRY;
        }
    }

    /** The end of an agent turn: its outcome, cost, tokens and duration. */
    record TurnResult(boolean success, String outcome, String message, String subtype, String terminalReason,
                      String result, String error, Double costUsd, Double turnCostUsd, Long inputTokens,
                      Long outputTokens, Long cacheReadTokens, Long cacheCreationTokens, Long durationMs,
                      Integer numTurns, Integer apiErrorStatus, List<String> userMessageUuids) implements EventData {
        @Override
        public EventType type() {
            return EventType.TURN_RESULT;
        }
    }

    /** A pull request opened, updated or changed state. */
    record PullRequest(int number, String url, String state, String action) implements EventData {
        @Override
        public EventType type() {
            return EventType.PR;
        }
    }

    /** Something Magnet wants the people watching to know went wrong. */
    record Error(String message) implements EventData {
        @Override
        public EventType type() {
            return EventType.ERROR;
        }
    }

    /** The model API failed as the agent reported it: its message, HTTP status and error type. */
    record ApiError(String message, Integer status, String errorType) implements EventData {
        @Override
        public EventType type() {
            return EventType.ERROR;
        }
    }

    /**
     * Output of the environment's setup script (a burst of lines), shown apart from the conversation.
     *
     * @param stream {@code output} (stdout and stderr together, in order)
     */
    record SetupOutput(String text, String stream) implements EventData {
        @Override
        public EventType type() {
            return EventType.SETUP_OUTPUT;
        }
    }

    /**
     * Output of the environment's run script (a burst of lines), shown apart from the conversation. Rate-limited: when
     * the script writes faster than Magnet keeps, the lines in between are left out and {@code skipped} counts them; the
     * last lines are always kept.
     */
    record RunOutput(String text, long skipped) implements EventData {
        @Override
        public EventType type() {
            return EventType.RUN_OUTPUT;
        }
    }

    /**
     * A connection the sandbox tried through the egress proxy.
     *
     * @param method {@code CONNECT} for an HTTPS tunnel, else the plain-HTTP request's method
     * @param phase  {@code setup} or {@code agent}: which network policy decided
     * @param reason why it was refused, or null
     */
    record Egress(String host, int port, String method, boolean allowed, String phase, String reason, long bytesSent,
                  long bytesReceived) implements EventData {
        @Override
        public EventType type() {
            return EventType.EGRESS;
        }
    }
}
