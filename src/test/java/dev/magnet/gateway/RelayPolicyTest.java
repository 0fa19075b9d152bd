package dev.magnet.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RelayPolicyTest {
    private static final String MESSAGE = "\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private final RelayPolicy policy = new RelayPolicy(1000);

    @ParameterizedTest
    @ValueSource(strings = {"/v1/messages", "/v1/messages/count_tokens"})
    void the_model_calls_of_the_cli_are_allowed(String path) {
        assertThat(policy.refuseRequest("POST", path, 10)).isEmpty();
        assertThat(policy.refuseRequest("POST", path, -1)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
            "GET, /v1/models", "GET, /v1/files", "DELETE, /v1/files/file_x", "POST, /v1/files",
            "POST, /v1/messages/batches", "GET, /v1/messages", "HEAD, /v1/messages", "PUT, /v1/messages",
            "POST, /v1/messages/", "POST, /v1//messages", "POST, /v1/messages/../files", "POST, /v1/messages/%2e%2e/models",
            "POST, /v1/Messages", "POST, /v1/messages%2Fcount_tokens", "POST, /api/event_logging/v2/batch", "POST, /"})
    void every_other_method_and_path_is_refused_with_what_is_allowed(String method, String path) {
        RelayPolicy.Refusal refusal = policy.refuseRequest(method, path, 10).orElseThrow();

        assertThat(refusal.status()).isEqualTo(403);
        assertThat(refusal.errorType()).isEqualTo("permission_error");
        assertThat(refusal.message()).startsWith("Magnet relay: ")
                .contains("only POST /v1/messages and POST /v1/messages/count_tokens").contains(method + " " + path);
    }

    @Test
    void a_declared_length_up_to_the_cap_is_allowed_and_one_byte_more_is_413() {
        assertThat(policy.refuseRequest("POST", "/v1/messages", 1000)).isEmpty();

        RelayPolicy.Refusal refusal = policy.refuseRequest("POST", "/v1/messages", 1001).orElseThrow();
        assertThat(refusal.status()).isEqualTo(413);
        assertThat(refusal.errorType()).isEqualTo("request_too_large");
        assertThat(policy.refuseRequest("POST", "/v1/messages", Long.MAX_VALUE)).map(RelayPolicy.Refusal::status).contains(413);
    }

    @Test
    void the_path_is_checked_before_the_length() {
        assertThat(policy.refuseRequest("GET", "/v1/models", 5000)).map(RelayPolicy.Refusal::status).contains(403);
    }

    @Test
    void a_cap_larger_than_an_array_is_lowered_to_what_one_holds() {
        assertThat(RelayPolicy.capped(32L * 1024 * 1024).maxBodyBytes()).isEqualTo(32 * 1024 * 1024);
        assertThat(RelayPolicy.capped(8L << 30).maxBodyBytes()).isEqualTo(Integer.MAX_VALUE - 8);
        assertThatThrownBy(() -> new RelayPolicy(0)).hasMessageContaining("MAGNET_RELAY_MAX_BODY_KB");
    }

    @Test
    void a_request_of_the_cli_with_client_tools_passes() {
        assertThat(body("{" + MESSAGE + ",\"stream\":true,\"tools\":[{\"name\":\"Bash\",\"input_schema\":{\"type\":\"object\"}},"
                + "{\"type\":\"custom\",\"name\":\"Write\",\"input_schema\":{}}],\"mcp_servers\":[],"
                + "\"context_management\":{\"edits\":[{\"type\":\"clear_thinking_20251015\",\"keep\":\"all\"}]}}", false))
                .isEmpty();
        assertThat(body("{" + MESSAGE + ",\"mcp_servers\":null,\"tools\":null}", false)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"web_search_20250305", "web_search_20260209", "web_fetch_20250910", "code_execution_20250825",
            "code_execution_20250522", "mcp_toolset", "tool_search_tool_regex_20251119", "advisor_20260301",
            "bash_20250124", "text_editor_20250728", "computer_20251124", "memory_20250818", "some_future_tool_20990101"})
    void a_typed_tool_is_refused_without_the_internet(String type) {
        String request = "{" + MESSAGE + ",\"tools\":[{\"name\":\"Bash\",\"input_schema\":{}},{\"type\":\"" + type
                + "\",\"name\":\"t\"}]}";

        RelayPolicy.Refusal refusal = body(request, false).orElseThrow();

        assertThat(refusal.status()).isEqualTo(403);
        assertThat(refusal.errorType()).isEqualTo("permission_error");
        assertThat(refusal.message()).contains(type).contains("network policy").contains("only client tools");
        assertThat(body(request, true)).as("allowed with the internet").isEmpty();
    }

    @Test
    void what_a_refusal_repeats_from_the_request_is_printable_and_short() {
        String name = "evil\\nINFO forged log line" + "n".repeat(200);

        String message = body("{" + MESSAGE + ",\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"" + name + "\"}]}", false)
                .orElseThrow().message();

        assertThat(message).doesNotContain("\n").contains("evil?INFO forged log line").doesNotContain("n".repeat(100));
        assertThat(policy.refuseRequest("GET", "/" + "p".repeat(5000), -1).orElseThrow().message()).hasSizeLessThan(300);
    }

    @Test
    void a_tool_type_that_is_null_or_not_text_is_refused() {
        assertThat(body("{" + MESSAGE + ",\"tools\":[{\"type\":null,\"name\":\"t\"}]}", false)).isPresent();
        assertThat(body("{" + MESSAGE + ",\"tools\":[{\"type\":[\"custom\"],\"name\":\"t\"}]}", false)).isPresent();
    }

    @Test
    void mcp_servers_are_refused_without_the_internet_whatever_their_shape() {
        for (String servers : new String[] {"[{\"type\":\"url\",\"url\":\"https://example.com/sse\",\"name\":\"x\"}]",
                "{\"x\":1}", "\"https://example.com\"", "1"}) {
            String request = "{" + MESSAGE + ",\"mcp_servers\":" + servers + "}";

            RelayPolicy.Refusal refusal = body(request, false).orElseThrow();

            assertThat(refusal.status()).as(servers).isEqualTo(403);
            assertThat(refusal.message()).contains("mcp_servers").contains("network policy");
            assertThat(body(request, true)).isEmpty();
        }
    }

    @Test
    void a_key_sent_twice_cannot_hide_a_refused_value_and_escapes_do_not_hide_a_key() {
        assertThat(body("{\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"f\"}]," + MESSAGE + ",\"tools\":[]}", false))
                .isPresent();
        assertThat(body("{\"mcp_servers\":[{\"url\":\"https://x\"}]," + MESSAGE + ",\"mcp_servers\":[]}", false)).isPresent();
        assertThat(body("{" + MESSAGE + ",\"mcp\\u005fservers\":[{\"url\":\"https://x\"}]}", false)).isPresent();
    }

    @Test
    void only_top_level_keys_count_as_mcp_servers_and_tools() {
        assertThat(body("{" + MESSAGE + ",\"metadata\":{\"tools\":[{\"type\":\"web_fetch_20250910\"}],"
                + "\"mcp_servers\":[1]}}", false)).isEmpty();
    }

    @Test
    void an_image_or_document_the_provider_would_fetch_from_a_url_is_refused_without_the_internet() {
        String image = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"content\":"
                + "[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/?leak=1\"}}]}]}]}";
        String document = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\","
                + "\"source\":{\"url\":\"https://example.com/a.pdf\",\"type\":\"url\"}}]}]}";

        assertThat(body(image, false)).map(RelayPolicy.Refusal::message).hasValueSatisfying(m -> assertThat(m).contains("URL"));
        assertThat(body(document, false)).isPresent();
        assertThat(body(image, true)).isEmpty();
    }

    @Test
    void text_that_mentions_a_url_source_is_not_a_url_source() {
        assertThat(body("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":"
                + "{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"aGk=\"}},{\"type\":\"text\",\"text\":"
                + "\"{\\\"source\\\":{\\\"type\\\":\\\"url\\\"}}\"},{\"type\":\"tool_use\",\"name\":\"x\",\"input\":{\"type\":\"url\"}}]}]}",
                false)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "not json", "[]", "\"text\"", "null", "{", "{\"a\":1}{\"b\":2}", "{\"a\":1} x",
            "{\"a\":1,}", "{/*c*/\"a\":1}"})
    void a_body_that_is_not_one_json_object_is_400(String text) {
        for (boolean internet : new boolean[] {false, true}) {
            RelayPolicy.Refusal refusal = body(text, internet).orElseThrow();

            assertThat(refusal.status()).as(text).isEqualTo(400);
            assertThat(refusal.errorType()).isEqualTo("invalid_request_error");
        }
    }

    @Test
    void long_strings_in_messages_are_skipped_unread() {
        String big = "x".repeat(21_000_000);

        assertThat(body("{" + MESSAGE + ",\"system\":[{\"type\":\"text\",\"text\":\"" + big + "\"}]}", false)).isEmpty();
    }

    private Optional<RelayPolicy.Refusal> body(String json, boolean internetAllowed) {
        return policy.refuseBody(json.getBytes(StandardCharsets.UTF_8), internetAllowed);
    }
}
