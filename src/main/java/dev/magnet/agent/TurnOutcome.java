package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;

import dev.magnet.json.Json;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How one agent turn ended, classified from the CLI's {@code result} line, with a message written
 * for users.
 *
 * @param kind             the classification
 * @param message          a sentence for users that says what happened and, for failures, what to do
 * @param errorText        the CLI's error text (the SDK rule: {@code result} when the subtype is
 *                         {@code success}, else {@code errors[]} joined with "; "); null when the turn succeeded
 * @param apiErrorStatus   the model API's HTTP status when the turn ended in an API error, else null
 * @param terminalReason   the CLI's {@code terminal_reason} ({@code completed}, {@code api_error}, ...), or null
 * @param retries          how many model API retries the CLI reported during this turn
 * @param userMessageUuids the uuids of the user messages this turn consumed
 */
public record TurnOutcome(Kind kind, String message, String errorText, Integer apiErrorStatus,
                          String terminalReason, int retries, List<String> userMessageUuids) {

    // why: the CLI writes this into errors[] (and stderr) when --resume names an unknown session
    private static final String NO_CONVERSATION = "No conversation found with session ID";
    // why: Set.of(...).contains(null) throws, so callers check for null first
    private static final Set<String> ABORTED = Set.of("aborted_streaming", "aborted_tools");
    private static final Set<String> UNAVAILABLE_TYPES = Set.of("overloaded_error", "rate_limit_error", "api_error");

    public TurnOutcome {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
        userMessageUuids = userMessageUuids == null ? List.of() : List.copyOf(userMessageUuids);
    }

    /** The ways a turn can end, from Magnet's point of view. */
    public enum Kind {
        /** {@code is_error:false}. */
        SUCCEEDED(null),
        /** Stopped by an interrupt; the agent waits for the next message. */
        INTERRUPTED(null),
        /** The model API refused the key (HTTP 401/403, {@code authentication_error}). */
        MODEL_AUTH_FAILED("model_auth_failed"),
        /** The model API was overloaded, rate limited, failing (5xx) or unreachable, after the CLI's retries. */
        MODEL_UNAVAILABLE("model_unavailable"),
        /** {@code --resume} named a conversation the CLI does not have. */
        RESUME_FAILED("lost"),
        /** Anything else: turn limit, another 4xx, an unexpected CLI error. */
        AGENT_ERROR("agent_error");

        private final String failureReason;

        Kind(String failureReason) {
            this.failureReason = failureReason;
        }

        /**
         * The session failure reason of SPEC §1 this kind leads to, or empty when the session goes on
         * (success, interrupt).
         */
        public Optional<String> failureReason() {
            return Optional.ofNullable(failureReason);
        }
    }

    /** Whether the turn succeeded. */
    public boolean succeeded() {
        return kind == Kind.SUCCEEDED;
    }

    /**
     * Classifies a {@code result} line.
     *
     * @param result  the whole {@code result} line
     * @param retries how many {@code system/api_retry} lines the turn produced (for the message)
     */
    public static TurnOutcome fromResult(JsonNode result, int retries) {
        Kind kind = classify(result);
        String errorText = kind == Kind.SUCCEEDED ? null : errorText(result);
        Integer status = Json.integer(result, "api_error_status");
        return new TurnOutcome(kind, describe(kind, result, errorText, retries), errorText, status,
                Json.text(result, "terminal_reason"), retries, Json.strings(Json.at(result, "user_message_uuids")));
    }

    /** Whether a {@code result} line reports an error; without {@code is_error}, only subtype success is not. */
    static boolean isError(JsonNode result) {
        JsonNode flag = Json.at(result, "is_error");
        return flag.isBoolean() ? flag.booleanValue() : !"success".equals(Json.text(result, "subtype"));
    }

    /** The SDK's rule for the error text of a result: {@code result} for subtype success, else the joined errors. */
    static String errorText(JsonNode result) {
        if ("success".equals(Json.text(result, "subtype"))) {
            return Json.text(result, "result");
        }
        List<String> errors = Json.strings(Json.at(result, "errors"));
        return errors.isEmpty() ? Json.text(result, "result") : String.join("; ", errors);
    }

    private static Kind classify(JsonNode result) {
        if (!isError(result)) {
            return Kind.SUCCEEDED;
        }
        String terminalReason = Json.text(result, "terminal_reason");
        if (terminalReason != null && ABORTED.contains(terminalReason)) {
            return Kind.INTERRUPTED;
        }
        if (Json.strings(Json.at(result, "errors")).stream().anyMatch(e -> e.contains(NO_CONVERSATION))) {
            return Kind.RESUME_FAILED;
        }
        Integer status = Json.integer(result, "api_error_status");
        String type = Json.text(result, "api_error_type");
        if ((status != null && (status == 401 || status == 403)) || "authentication_error".equals(type)) {
            return Kind.MODEL_AUTH_FAILED;
        }
        if (status != null && (status == 429 || status >= 500)) {
            return Kind.MODEL_UNAVAILABLE;
        }
        if (status == null && isApiError(result, type)) {
            return Kind.MODEL_UNAVAILABLE;
        }
        return Kind.AGENT_ERROR;
    }

    // why: a connection failure ends the turn with terminal_reason api_error, api_error_status null and
    // (CLI 2.1.328) "api_error":"connection_failed"
    private static boolean isApiError(JsonNode result, String type) {
        return "api_error".equals(Json.text(result, "terminal_reason"))
                || Json.text(result, "api_error") != null
                || (type != null && UNAVAILABLE_TYPES.contains(type));
    }

    private static String describe(Kind kind, JsonNode result, String errorText, int retries) {
        Integer status = Json.integer(result, "api_error_status");
        return switch (kind) {
            case SUCCEEDED -> "The agent finished its turn.";
            case INTERRUPTED -> "The turn was interrupted; the agent is waiting for a message.";
            case MODEL_AUTH_FAILED -> "The model API rejected Magnet's API key"
                    + (status == null ? "" : " (HTTP " + status + ")") + ": check ANTHROPIC_API_KEY.";
            case MODEL_UNAVAILABLE -> "The model API is unavailable (" + unavailability(status) + ")"
                    + afterRetries(retries) + detail(errorText);
            case RESUME_FAILED -> "The agent's earlier conversation could not be resumed" + detail(errorText);
            case AGENT_ERROR -> agentError(result, status) + detail(errorText);
        };
    }

    private static String unavailability(Integer status) {
        if (status == null) {
            return "connection failed";
        }
        return switch (status) {
            case 529 -> "HTTP 529 overloaded";
            case 429 -> "HTTP 429 rate limited";
            default -> "HTTP " + status + " server error";
        };
    }

    private static String afterRetries(int retries) {
        return switch (retries) {
            case 0 -> "";
            case 1 -> " after 1 retry";
            default -> " after " + retries + " retries";
        };
    }

    private static String agentError(JsonNode result, Integer status) {
        if ("max_turns".equals(Json.text(result, "terminal_reason"))) {
            return "The agent stopped at its turn limit";
        }
        if (status != null) {
            return "The model API rejected the request (HTTP " + status + ")";
        }
        String subtype = Json.text(result, "subtype");
        return "The agent's turn failed" + (subtype == null ? "" : " (" + subtype + ")");
    }

    private static String detail(String errorText) {
        return errorText == null || errorText.isBlank() ? "." : ": " + errorText;
    }
}
