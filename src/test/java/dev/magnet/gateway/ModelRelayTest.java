package dev.magnet.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.awaitility.Awaitility;

import java.util.concurrent.CopyOnWriteArrayList;

import java.util.Optional;

import java.util.List;

import java.time.Duration;

import java.net.Socket;

import java.net.InetAddress;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.Turn;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ModelRelayTest {
    // why: a fake key; written in two parts so secret scanners do not take it for a real one
    private static final String REAL_KEY = "sk-ant-" + "real-key-for-relay-test";
    private static final int MAX_BODY = 4096;
    private static final String MESSAGE = "\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    private final HttpClient http = HttpClient.newHttpClient();
    private FakeAnthropic model;
    private ModelRelay relay;

    @BeforeEach
    void start() {
        model = FakeAnthropic.start();
        model.script(Script.empty().withFallback(Turn.reply().text("hello from the model")));
        relay = ModelRelay.start(REAL_KEY, model.baseUrl(), MAX_BODY, Spending.UNLIMITED);
    }

    @AfterEach
    void stop() {
        relay.close();
        model.close();
    }

    @Test
    void a_session_token_is_swapped_for_the_real_key_and_the_stream_comes_back() throws Exception {
        String token = relay.open("session-1", "workspace-1", false);
        HttpResponse<String> r = post(token, "{\"model\":\"m\",\"max_tokens\":10,\"stream\":true,\"tools\":[{}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("message_start").contains("hello from the model");
        assertThat(model.requests().get(0).header("x-api-key")).isEqualTo(REAL_KEY);
        assertThat(model.requests().get(0).path()).isEqualTo("/v1/messages?beta=true");
        assertThat(relay.usage("session-1").requests()).isEqualTo(1);
    }

    @Test
    void a_session_whose_budget_is_spent_is_refused_with_a_403_that_says_why_and_never_reaches_the_model() throws Exception {
        Spending spent = new Spending() {
            @Override
            public Optional<String> refusal(String sessionId, String workspaceId) {
                return Optional.of("this session has spent $1.00, its whole budget of $1.00.");
            }

            @Override
            public void spent(String sessionId, String workspaceId, ModelCall call) {
            }
        };
        try (ModelRelay broke = ModelRelay.start(REAL_KEY, model.baseUrl(), MAX_BODY, spent)) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(broke.baseUrl() + "/v1/messages"))
                    .header("x-api-key", broke.open("s", "workspace-1", false))
                    .POST(HttpRequest.BodyPublishers.ofString("{" + MESSAGE + "}")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(Json.MAPPER.readTree(r.body()).path("error").path("message").asText()).contains("whole budget of $1.00");
            assertThat(model.requests()).isEmpty();
        }
    }

    @Test
    void an_agent_that_hangs_up_mid_answer_is_still_charged_for_the_whole_answer() throws Exception {
        List<ModelCall> calls = new CopyOnWriteArrayList<>();
        Spending ledger = new Spending() {
            @Override
            public Optional<String> refusal(String sessionId, String workspaceId) {
                return Optional.empty();
            }

            @Override
            public void spent(String sessionId, String workspaceId, ModelCall call) {
                calls.add(call);
            }
        };
        model.script(Script.of(Turn.reply().text("x".repeat(400)).chunked(20, Duration.ofMillis(20))
                .withUsage(new Turn.Usage(100, 5000, 0, 0))));
        try (ModelRelay metered = ModelRelay.start(REAL_KEY, model.baseUrl(), MAX_BODY, ledger);
             Socket agent = new Socket(InetAddress.getLoopbackAddress(), metered.port())) {
            byte[] body = ("{" + MESSAGE.replace("\"m\"", "\"claude-opus-4-6\"") + ",\"stream\":true,\"tools\":[{}]}")
                    .getBytes(StandardCharsets.UTF_8);
            agent.getOutputStream().write(("POST /v1/messages HTTP/1.1\r\nHost: relay\r\nx-api-key: "
                    + metered.open("s", "workspace-1", false) + "\r\ncontent-type: application/json\r\ncontent-length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            agent.getOutputStream().write(body);
            agent.getOutputStream().flush();
            String start = new String(agent.getInputStream().readNBytes(300), StandardCharsets.UTF_8);
            assertThat(start).contains("200");
            agent.close();

            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !calls.isEmpty());
            assertThat(calls.getFirst().outputTokens()).as("the usage sent at the end of the answer").isEqualTo(5000);
            assertThat(calls.getFirst().model()).isEqualTo("claude-opus-4-6");
        }
    }

    @Test
    void an_answer_that_breaks_off_upstream_reaches_the_agent_broken_off_not_ended() throws Exception {
        model.script(Script.of(Turn.reply().text("an answer cut short").chunked(4, Duration.ZERO).droppedAfter(2)));
        String token = relay.open("s", "workspace-1", false);
        String streaming = "{" + MESSAGE + ",\"stream\":true,\"tools\":[{}]}";

        // why: a relay that ended its chunked answer cleanly would hand the agent a truncated stream as a whole one
        assertThatThrownBy(() -> post(token, streaming)).isInstanceOf(java.io.IOException.class);
        assertThat(model.drops()).hasSize(1);
        assertThat(post(token, streaming).statusCode()).as("the relay serves the next request").isEqualTo(200);
    }

    @Test
    void an_answer_still_streaming_when_its_session_is_closed_is_metered_and_then_let_go() throws Exception {
        List<ModelCall> calls = new CopyOnWriteArrayList<>();
        Spending ledger = new Spending() {
            @Override
            public Optional<String> refusal(String sessionId, String workspaceId) {
                return Optional.empty();
            }

            @Override
            public void spent(String sessionId, String workspaceId, ModelCall call) {
                calls.add(call);
            }
        };
        model.script(Script.of(Turn.hanging()));
        try (ModelRelay metered = ModelRelay.start(REAL_KEY, model.baseUrl(), MAX_BODY, ledger, Duration.ofMillis(200))) {
            String token = metered.open("s", "workspace-1", false);
            HttpRequest request = HttpRequest.newBuilder(URI.create(metered.baseUrl() + "/v1/messages"))
                    .header("x-api-key", token).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{" + MESSAGE + ",\"stream\":true,\"tools\":[{}]}")).build();
            HttpResponse<InputStream> answer = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(metered.waiting("s")).as("a model answer is open").isPresent();

            metered.close("s");

            assertThat(model.awaitDisconnect(Duration.ofSeconds(10)).isMain()).isTrue();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !calls.isEmpty());
            assertThat(calls.getFirst().inputTokens()).as("what message_start reported").isEqualTo(100);
            assertThat(metered.waiting("s")).isEmpty();
            answer.body().close();
        }
    }

    @Test
    void an_unknown_or_revoked_token_gets_401_and_never_reaches_the_model() throws Exception {
        String token = relay.open("session-2", "workspace-1", false);
        relay.close("session-2");

        assertThat(post(token, "{}").statusCode()).isEqualTo(401);
        assertThat(post("magnet-session-guess", "{}").statusCode()).isEqualTo(401);
        assertThat(post(REAL_KEY, "{}").statusCode()).isEqualTo(401);
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void without_a_model_key_the_relay_says_what_to_set() throws Exception {
        try (ModelRelay keyless = ModelRelay.start(null, model.baseUrl(), MAX_BODY, Spending.UNLIMITED)) {
            String token = keyless.open("s", "workspace-1", false);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(keyless.baseUrl() + "/v1/messages"))
                    .header("x-api-key", token).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).contains("ANTHROPIC_API_KEY");
        }
    }

    @Test
    void other_api_calls_get_an_anthropic_style_403_and_never_reach_the_model() throws Exception {
        String token = relay.open("s", "workspace-1", false);

        for (String[] call : new String[][] {{"GET", "/v1/models"}, {"GET", "/v1/files"}, {"DELETE", "/v1/files/file_x"},
                {"POST", "/v1/messages/batches"}, {"GET", "/v1/messages"}}) {
            HttpResponse<String> r = send(token, call[0], call[1], call[0].equals("POST") ? "{}" : null);

            assertThat(r.statusCode()).as(call[1]).isEqualTo(403);
            assertThat(r.headers().firstValue("content-type")).contains("application/json");
            JsonNode error = Json.MAPPER.readTree(r.body());
            assertThat(error.path("type").asText()).isEqualTo("error");
            assertThat(error.path("error").path("type").asText()).isEqualTo("permission_error");
            assertThat(error.path("error").path("message").asText()).startsWith("Magnet relay: ");
        }
        assertThat(model.requests()).isEmpty();
        assertThat(relay.usage("s").requests()).isZero();
    }

    @Test
    void count_tokens_is_forwarded() throws Exception {
        HttpResponse<String> r = send(relay.open("s", "workspace-1", false), "POST", "/v1/messages/count_tokens?beta=true", "{" + MESSAGE + "}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(model.requests()).extracting(RecordedRequest::path).containsExactly("/v1/messages/count_tokens?beta=true");
    }

    @Test
    void a_body_of_exactly_the_cap_is_forwarded_and_one_byte_more_is_413_whether_its_length_is_told_or_not() throws Exception {
        String token = relay.open("s", "workspace-1", false);
        String atCap = padded(MAX_BODY);
        String overCap = padded(MAX_BODY + 1);

        assertThat(post(token, atCap).statusCode()).isEqualTo(200);
        assertThat(chunked(token, atCap).statusCode()).isEqualTo(200);
        HttpResponse<String> told = post(token, overCap);
        HttpResponse<String> counted = chunked(token, overCap);

        assertThat(told.statusCode()).isEqualTo(413);
        assertThat(told.body()).contains("request_too_large").contains("4 KiB").contains("MAGNET_RELAY_MAX_BODY_KB");
        assertThat(counted.statusCode()).isEqualTo(413);
        assertThat(model.requests()).hasSize(2).allSatisfy(r -> assertThat(r.body().toString()).hasSize(MAX_BODY));
    }

    @Test
    void a_chunked_body_that_goes_on_is_refused_once_past_the_cap() throws Exception {
        String token = relay.open("s", "workspace-1", false);
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'x';
            }
        };

        try {
            HttpResponse<String> r = http.send(request(token, "/v1/messages")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> endless)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(413);
        } catch (IOException e) {
            // why: the relay answers 413 and closes a connection whose client is still sending; closing with unread
            // bytes resets it, and a loaded machine's client may meet the reset before it reads the answer. Either
            // way the body went nowhere (asserted below).
        }
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void a_body_that_is_not_json_is_400() throws Exception {
        HttpResponse<String> r = post(relay.open("s", "workspace-1", false), "not json");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("invalid_request_error");
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void server_tools_and_mcp_servers_pass_only_for_a_session_that_may_reach_the_internet() throws Exception {
        String fetch = "{" + MESSAGE + ",\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"web_fetch\"}]}";
        String mcp = "{" + MESSAGE + ",\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://example.com/sse\",\"name\":\"x\"}]}";
        String offline = relay.open("offline", "workspace-1", false);
        String online = relay.open("online", "workspace-1", true);

        assertThat(post(offline, fetch).statusCode()).isEqualTo(403);
        assertThat(post(offline, mcp).statusCode()).isEqualTo(403);
        assertThat(model.requests()).isEmpty();
        assertThat(post(online, fetch).statusCode()).isEqualTo(200);
        assertThat(post(online, mcp).statusCode()).isEqualTo(200);
        assertThat(model.requests()).hasSize(2);
    }

    /** A Messages request of exactly {@code size} bytes. */
    private static String padded(int size) {
        String start = "{" + MESSAGE + ",\"pad\":\"";
        return start + "x".repeat(size - start.length() - 2) + "\"}";
    }

    private HttpResponse<String> post(String key, String body) throws Exception {
        return send(key, "POST", "/v1/messages?beta=true", body);
    }

    private HttpResponse<String> chunked(String key, String body) throws Exception {
        return http.send(request(key, "/v1/messages?beta=true").POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String key, String method, String path, String body) throws Exception {
        return http.send(request(key, path).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String key, String path) {
        return HttpRequest.newBuilder(URI.create(relay.baseUrl() + path)).header("x-api-key", key)
                .header("content-type", "application/json");
    }
}
