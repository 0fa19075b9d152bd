package dev.magnet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Script;
import dev.magnet.testing.Turn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ModelRelayTest {
    // why: a fake key; written in two parts so secret scanners do not take it for a real one
    private static final String REAL_KEY = "sk-ant-" + "real-key-for-relay-test";
    private final HttpClient http = HttpClient.newHttpClient();
    private FakeAnthropic model;
    private ModelRelay relay;

    @BeforeEach
    void start() {
        model = FakeAnthropic.start();
        model.script(Script.empty().withFallback(Turn.reply().text("hello from the model")));
        relay = ModelRelay.start(REAL_KEY, model.baseUrl());
    }

    @AfterEach
    void stop() {
        relay.close();
        model.close();
    }

    @Test
    void a_session_token_is_swapped_for_the_real_key_and_the_stream_comes_back() throws Exception {
        String token = relay.open("session-1");
        HttpResponse<String> r = post(token, "{\"model\":\"m\",\"max_tokens\":10,\"stream\":true,\"tools\":[{}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("message_start").contains("hello from the model");
        assertThat(model.requests().get(0).header("x-api-key")).isEqualTo(REAL_KEY);
        assertThat(relay.usage("session-1").requests()).isEqualTo(1);
    }

    @Test
    void an_unknown_or_revoked_token_gets_401_and_never_reaches_the_model() throws Exception {
        String token = relay.open("session-2");
        relay.close("session-2");

        assertThat(post(token, "{}").statusCode()).isEqualTo(401);
        assertThat(post("magnet-session-guess", "{}").statusCode()).isEqualTo(401);
        assertThat(post(REAL_KEY, "{}").statusCode()).isEqualTo(401);
        assertThat(model.requests()).isEmpty();
    }

    @Test
    void without_a_model_key_the_relay_says_what_to_set() throws Exception {
        try (ModelRelay keyless = ModelRelay.start(null, model.baseUrl())) {
            String token = keyless.open("s");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(keyless.baseUrl() + "/v1/messages"))
                    .header("x-api-key", token).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).contains("ANTHROPIC_API_KEY");
        }
    }

    private HttpResponse<String> post(String key, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(relay.baseUrl() + "/v1/messages?beta=true"))
                .header("x-api-key", key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
