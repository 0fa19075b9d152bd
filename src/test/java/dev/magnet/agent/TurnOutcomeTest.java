package dev.magnet.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static dev.magnet.agent.Transcripts.json;
import static org.assertj.core.api.Assertions.assertThat;

class TurnOutcomeTest {

    @Test
    void a_completed_turn_succeeded() {
        TurnOutcome outcome = lastOutcome("write-create");

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.SUCCEEDED);
        assertThat(outcome.succeeded()).isTrue();
        assertThat(outcome.errorText()).isNull();
        assertThat(outcome.kind().failureReason()).isEmpty();
    }

    @Test
    void an_interrupt_while_streaming_is_an_interruption_not_a_failure() {
        TurnOutcome outcome = map("interrupt-streaming").outcomes().getFirst();

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.INTERRUPTED);
        assertThat(outcome.terminalReason()).isEqualTo("aborted_streaming");
        assertThat(outcome.message()).isEqualTo("The turn was interrupted; the agent is waiting for a message.");
        assertThat(outcome.kind().failureReason()).isEmpty();
    }

    @Test
    void an_interrupt_while_a_tool_runs_is_an_interruption() {
        assertThat(lastOutcome("interrupt-tool").kind()).isEqualTo(TurnOutcome.Kind.INTERRUPTED);
    }

    @Test
    void a_rejected_key_is_a_model_auth_failure_that_says_what_to_set() {
        TurnOutcome outcome = lastOutcome("unauthorized-401");

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.MODEL_AUTH_FAILED);
        assertThat(outcome.message())
                .isEqualTo("The model API rejected Magnet's API key (HTTP 401): check ANTHROPIC_API_KEY.");
        assertThat(outcome.errorText()).isEqualTo("Invalid API key · Fix external API key");
        assertThat(outcome.kind().failureReason()).contains("model_auth_failed");
    }

    @Test
    void a_forbidden_key_is_a_model_auth_failure() {
        assertThat(lastOutcome("forbidden-403").kind()).isEqualTo(TurnOutcome.Kind.MODEL_AUTH_FAILED);
    }

    @Test
    void an_overloaded_api_is_unavailable_and_the_message_counts_the_retries() {
        TurnOutcome outcome = map("overloaded-529").outcomes().getFirst();

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.MODEL_UNAVAILABLE);
        assertThat(outcome.apiErrorStatus()).isEqualTo(529);
        assertThat(outcome.message()).startsWith(
                "The model API is unavailable (HTTP 529 overloaded) after 2 retries: API Error: 529 Overloaded (fake).");
        assertThat(outcome.kind().failureReason()).contains("model_unavailable");
    }

    @Test
    void a_rate_limited_api_is_unavailable() {
        assertThat(lastOutcome("rate-limited-429").message()).isEqualTo(
                "The model API is unavailable (HTTP 429 rate limited) after 1 retry: "
                        + "API Error: Request rejected (429) · Rate limited (fake)");
    }

    @Test
    void an_unreachable_api_is_unavailable() {
        TurnOutcome outcome = lastOutcome("connection-refused");

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.MODEL_UNAVAILABLE);
        assertThat(outcome.apiErrorStatus()).isNull();
        assertThat(outcome.message()).isEqualTo("The model API is unavailable (connection failed) after 1 retry: "
                + "API Error: Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)");
    }

    @Test
    void a_bad_request_is_an_agent_error() {
        TurnOutcome outcome = lastOutcome("bad-request-400");

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.AGENT_ERROR);
        assertThat(outcome.message())
                .isEqualTo("The model API rejected the request (HTTP 400): API Error: 400 bad request (fake)");
    }

    @Test
    void reaching_the_turn_limit_is_an_agent_error() {
        TurnOutcome outcome = lastOutcome("max-turns");

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.AGENT_ERROR);
        assertThat(outcome.message())
                .isEqualTo("The agent stopped at its turn limit: Reached maximum number of turns (1)");
        assertThat(outcome.kind().failureReason()).contains("agent_error");
    }

    @Test
    void resuming_an_unknown_conversation_is_a_resume_failure() {
        TurnOutcome outcome = lastOutcome("resume-failed");

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.RESUME_FAILED);
        assertThat(outcome.message()).isEqualTo("The agent's earlier conversation could not be resumed: "
                + "No conversation found with session ID: 00000000-0000-4000-8000-000000000000");
        assertThat(outcome.kind().failureReason()).contains("lost");
    }

    @Test
    void the_outcome_lists_the_user_messages_the_turn_consumed() {
        assertThat(lastOutcome("write-create").userMessageUuids())
                .isEqualTo(List.of("00000002-1111-4111-8111-111111111111"));
    }

    @ParameterizedTest(name = "status {0}, type {1}, terminal {2} -> {3}")
    @CsvSource(nullValues = "null", value = {
            "401, authentication_error, api_error, MODEL_AUTH_FAILED",
            "403, permission_error,     api_error, MODEL_AUTH_FAILED",
            "null, authentication_error, api_error, MODEL_AUTH_FAILED",
            "429, rate_limit_error,     api_error, MODEL_UNAVAILABLE",
            "500, api_error,            api_error, MODEL_UNAVAILABLE",
            "503, api_error,            api_error, MODEL_UNAVAILABLE",
            "529, overloaded_error,     api_error, MODEL_UNAVAILABLE",
            "null, null,                api_error, MODEL_UNAVAILABLE",
            "400, invalid_request_error, api_error, AGENT_ERROR",
            "404, not_found_error,      api_error, AGENT_ERROR",
            "413, request_too_large,    api_error, AGENT_ERROR",
    })
    void api_errors_are_classified_by_status_and_type(String status, String type, String terminal, TurnOutcome.Kind expected) {
        TurnOutcome outcome = TurnOutcome.fromResult(json("""
                {"type":"result","subtype":"success","is_error":true,"result":"API Error","terminal_reason":"%s",
                 "api_error_status":%s,"api_error_type":%s}"""
                .formatted(terminal, status, type == null ? "null" : "\"" + type + "\"")), 0);

        assertThat(outcome.kind()).isEqualTo(expected);
    }

    @Test
    void an_unknown_error_subtype_is_an_agent_error_with_the_joined_errors() {
        TurnOutcome outcome = TurnOutcome.fromResult(json("""
                {"type":"result","subtype":"error_max_budget_usd","is_error":true,"errors":["over budget","stopped"]}"""), 0);

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.AGENT_ERROR);
        assertThat(outcome.errorText()).isEqualTo("over budget; stopped");
        assertThat(outcome.message()).isEqualTo("The agent's turn failed (error_max_budget_usd): over budget; stopped");
    }

    @Test
    void a_turn_ended_early_by_an_urgent_message_succeeded() {
        TurnOutcome outcome = TurnOutcome.fromResult(json("""
                {"type":"result","subtype":"success","is_error":false,"result":"","terminal_reason":"aborted_tools"}"""), 0);

        assertThat(outcome.kind()).isEqualTo(TurnOutcome.Kind.SUCCEEDED);
    }

    @Test
    void a_result_without_is_error_is_judged_by_its_subtype() {
        assertThat(TurnOutcome.fromResult(json("{\"subtype\":\"success\"}"), 0).succeeded()).isTrue();
        assertThat(TurnOutcome.fromResult(json("{\"subtype\":\"error_during_execution\"}"), 0).kind())
                .isEqualTo(TurnOutcome.Kind.AGENT_ERROR);
    }

    @Test
    void an_auth_failure_without_a_status_still_says_what_to_set() {
        TurnOutcome outcome = TurnOutcome.fromResult(json("""
                {"subtype":"success","is_error":true,"api_error_type":"authentication_error"}"""), 0);

        assertThat(outcome.message()).isEqualTo("The model API rejected Magnet's API key: check ANTHROPIC_API_KEY.");
    }

    private static Transcripts.Mapped map(String name) {
        return Transcripts.map(name);
    }

    private static TurnOutcome lastOutcome(String name) {
        return map(name).outcomes().getLast();
    }
}
