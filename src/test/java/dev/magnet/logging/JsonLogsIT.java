package dev.magnet.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Script;
import dev.magnet.testing.SessionAnswers;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code MAGNET_LOG_FORMAT=json} on the real server in its own JVM: its output is JSON lines, the lines written while
 * answering a request carry that request's id (the caller's {@code X-Request-Id}, echoed), and the lines of a
 * session's work carry the session's id.
 */
class JsonLogsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST_ID = "req-json-logs-0001";

    @TempDir
    Path dir;

    @Test
    void the_output_is_json_lines_and_a_sessions_lines_carry_its_request_and_session_ids() throws Exception {
        Path log = dir.resolve("server.log");
        try (FakeAnthropic model = FakeAnthropic.start();
             ChildServer server = ChildServer.start(dir.resolve("data"), model, log, Map.of("MAGNET_LOG_FORMAT", "json"))) {
            model.script(Script.of(Turn.reply().text("Done.")));
            Matcher running = Pattern.compile("Magnet is running on http://localhost:(\\d+)").matcher(Files.readString(log));
            assertThat(running.find()).isTrue();
            int port = Integer.parseInt(running.group(1));
            HttpResponse<String> created = send(port, "POST", "/api/sessions", "{\"prompt\":\"Say done\"}", REQUEST_ID);
            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(created.headers().firstValue("X-Request-Id")).hasValue(REQUEST_ID);
            String id = SessionAnswers.session(JSON.readTree(created.body())).path("id").asText();
            server.awaitStatus(id, "completed", Duration.ofSeconds(60));

            HttpResponse<String> unnamed = send(port, "GET", "/health/live", null, "not an id");
            assertThat(unnamed.headers().firstValue("X-Request-Id")).hasValueSatisfying(
                    v -> assertThat(v).matches("[0-9a-f-]{36}"));

            List<JsonNode> lines = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                if (line.isBlank()) {
                    continue;
                }
                assertThat(line).as("every line of the output is a JSON object").startsWith("{");
                lines.add(JSON.readTree(line));
            }
            assertThat(lines).allSatisfy(l -> {
                assertThat(l.fieldNames()).toIterable().contains("time", "level", "logger", "thread", "message",
                        "requestId", "sessionId");
                assertThat(l.path("time").asText()).endsWith("Z");
            });
            assertThat(lines).anySatisfy(l -> assertThat(l.path("message").asText()).startsWith("Magnet is running on"));
            assertThat(lines).as("a line of the request that created the session").anySatisfy(l -> {
                assertThat(l.path("requestId").asText()).isEqualTo(REQUEST_ID);
                assertThat(l.path("sessionId").asText()).isEqualTo(id);
            });
            assertThat(lines).as("a line of the session's work on the runner").anySatisfy(l -> {
                assertThat(l.path("requestId").isNull()).isTrue();
                assertThat(l.path("sessionId").asText()).isEqualTo(id);
                assertThat(l.path("message").asText()).contains("completed");
            });
        }
    }

    private static HttpResponse<String> send(int port, String method, String path, String body, String requestId)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).header("x-api-key", TestServer.API_KEY).header("X-Request-Id", requestId)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
