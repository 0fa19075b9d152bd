package dev.magnet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hostile model drives the real Claude Code CLI in the real bubblewrap sandbox against the model relay and
 * its gateway socket: everything but the model calls the pinned CLI makes is refused and never reaches the model
 * provider, and going past a bound fails at most the one session while the server carries on.
 */
class RelayAttackIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final int MAX_BODY_KB = 256;
    private static final int MAX_CONNECTIONS = 8;
    // why: through the sandbox's socat bridge each connect took about 150 ms here (200 sockets: 30 s)
    private static final int FLOOD = 64;
    private static final int MAX_LINE_KB = 64;

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of(
            "MAGNET_RELAY_MAX_BODY_KB", Integer.toString(MAX_BODY_KB),
            "MAGNET_GATEWAY_MAX_CONNECTIONS", Integer.toString(MAX_CONNECTIONS),
            "MAGNET_AGENT_MAX_LINE_KB", Integer.toString(MAX_LINE_KB)));

    @Test
    void the_agent_calling_the_relay_with_its_own_token_reaches_only_the_model_calls_of_the_cli() {
        FakeAnthropic model = magnet.model();
        TestServer server = magnet.server();
        String message = "\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        String command = String.join("\n",
                "call() { label=$1; shift; printf '%s -> ' \"$label\"; curl -sS -m 20 -H \"x-api-key: $ANTHROPIC_API_KEY\" "
                        + "-H 'content-type: application/json' -H 'Expect:' -w ' status=%{http_code}\\n' \"$@\"; }",
                "call models $ANTHROPIC_BASE_URL/v1/models",
                "call files $ANTHROPIC_BASE_URL/v1/files",
                "call delete -X DELETE $ANTHROPIC_BASE_URL/v1/files/file_x",
                "call batches -X POST -d '{\"requests\":[]}' $ANTHROPIC_BASE_URL/v1/messages/batches",
                "call dotdot -X POST -d '{" + message + "}' $ANTHROPIC_BASE_URL/v1/messages/%2e%2e/models",
                "call mcp -d '{" + message + ",\"mcp_servers\":[{\"type\":\"url\",\"url\":\"https://example.com/sse\","
                        + "\"name\":\"x\"}]}' \"$ANTHROPIC_BASE_URL/v1/messages?beta=true\"",
                "call fetch -d '{" + message + ",\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"web_fetch\"}]}' "
                        + "\"$ANTHROPIC_BASE_URL/v1/messages?beta=true\"",
                "call image -d '{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                        + "\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/leak.png\"}}]}]}' "
                        + "$ANTHROPIC_BASE_URL/v1/messages",
                "python3 -c 'import sys; sys.stdout.write(\"{\\\"pad\\\":\\\"\" + \"x\" * 600000 + \"\\\"}\")' > /tmp/big.json",
                "call big --data-binary @/tmp/big.json $ANTHROPIC_BASE_URL/v1/messages",
                "call chunked -H 'Transfer-Encoding: chunked' --data-binary @/tmp/big.json $ANTHROPIC_BASE_URL/v1/messages",
                "call count -d '{" + message + "}' \"$ANTHROPIC_BASE_URL/v1/messages/count_tokens?beta=true\"");
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", command, "description", "probe the relay", "timeout", 120000)),
                Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Use the model API directly")).path("id").asText();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(done.path("failure").isNull()).isTrue();
        List<String> outputs = toolOutputs(server, id);
        assertThat(outputs).hasSize(1);
        Map<String, String> lines = new HashMap<>();
        outputs.getFirst().lines().filter(l -> l.contains(" -> ")).forEach(l -> lines.put(l.substring(0, l.indexOf(" -> ")), l));
        for (String refused : List.of("models", "files", "delete", "batches", "dotdot")) {
            assertThat(lines.get(refused)).as(refused).contains("status=403").contains("permission_error")
                    .contains("POST /v1/messages");
        }
        assertThat(lines.get("mcp")).contains("status=403").contains("mcp_servers");
        assertThat(lines.get("fetch")).contains("status=403").contains("web_fetch_20250910");
        assertThat(lines.get("image")).contains("status=403").contains("from a URL");
        assertThat(lines.get("big")).contains("status=413").contains("request_too_large");
        assertThat(lines.get("chunked")).contains("status=413").contains("request_too_large");
        assertThat(lines.get("count")).as("the relay still forwards what the CLI uses").contains("status=200")
                .contains("input_tokens");

        List<RecordedRequest> received = model.requests();
        assertThat(received).extracting(RecordedRequest::path)
                .allMatch(p -> p.equals("/v1/messages?beta=true") || p.equals("/v1/messages/count_tokens?beta=true"));
        assertThat(received).extracting(RecordedRequest::body).allSatisfy(body -> {
            assertThat(body.isObject()).isTrue();
            assertThat(body.has("pad")).as("the body over the cap").isFalse();
            assertThat(body.has("mcp_servers")).isFalse();
            body.path("tools").forEach(tool -> assertThat(tool.has("type")).as("a server tool: " + tool).isFalse());
            assertThat(body.findValues("source")).noneMatch(source -> source.path("type").asText().equals("url"));
        });
        assertThat(received).extracting(r -> r.header("x-api-key")).containsOnly(TestServer.MODEL_KEY);
        assertThat(server.get("/health/live").status()).isEqualTo(200);
    }

    @Test
    void many_connections_to_the_relay_at_once_are_cut_to_the_limit_and_the_next_session_runs() {
        FakeAnthropic model = magnet.model();
        TestServer server = magnet.server();
        String script = String.join("\n",
                "import os, socket, time",
                "port = int(os.environ['ANTHROPIC_BASE_URL'].rsplit(':', 1)[1])",
                "socks = [socket.create_connection(('127.0.0.1', port), timeout=20) for _ in range(" + FLOOD + ")]",
                "def closed(s):",
                "    s.setblocking(False)",
                "    try:",
                "        return s.recv(1) == b''",
                "    except BlockingIOError:",
                "        return False",
                "    except OSError:",
                "        return True",
                "deadline = time.time() + 15",
                "while True:",
                "    n = sum(closed(s) for s in socks)",
                "    if n >= " + (FLOOD - MAX_CONNECTIONS) + " or time.time() > deadline:",
                "        break",
                "    time.sleep(0.2)",
                "print('held=%d closed=%d' % (" + FLOOD + " - n, n))",
                "for s in socks:",
                "    s.close()",
                "time.sleep(1)");
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "python3 - <<'EOF'\n" + script + "\nEOF",
                        "description", "flood the relay", "timeout", 120000)),
                Turn.reply().toolUse("Bash", Map.of("command", "echo still-talking", "description", "check")),
                Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Flood the relay")).path("id").asText();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(done.path("failure").isNull()).isTrue();
        List<String> outputs = toolOutputs(server, id);
        String counts = outputs.getFirst().strip();
        assertThat(counts).matches("held=\\d+ closed=\\d+");
        int held = Integer.parseInt(counts.replaceAll("held=(\\d+) .*", "$1"));
        assertThat(held).as(counts).isLessThanOrEqualTo(MAX_CONNECTIONS);
        assertThat(outputs.get(1)).contains("still-talking");
        assertThat(server.get("/health/live").status()).isEqualTo(200);

        model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("command", "echo next-session", "description", "check")),
                Turn.reply().text("Fine.")));
        String next = server.createSession(Map.of("prompt", "Carry on")).path("id").asText();
        server.awaitStatus(next, "completed", TIMEOUT);
        assertThat(toolOutputs(server, next)).containsExactly("next-session");
    }

    @Test
    void an_agent_line_longer_than_the_limit_fails_its_session_and_the_next_session_runs() {
        FakeAnthropic model = magnet.model();
        TestServer server = magnet.server();
        model.script(Script.of(
                Turn.reply().toolUse("Write", Map.of("file_path", "/workspace/big.txt", "content", "x".repeat(100_000))),
                Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Write a big file")).path("id").asText();
        JsonNode failed = awaitEnd(server, id);

        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("agent_error");
        assertThat(failed.path("failure").path("message").asText())
                .contains("line of more than " + MAX_LINE_KB + " KiB").contains("MAGNET_AGENT_MAX_LINE_KB");
        assertThat(server.get("/health/live").status()).isEqualTo(200);

        model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("command", "echo next-session", "description", "check")),
                Turn.reply().text("Fine.")));
        String next = server.createSession(Map.of("prompt", "Carry on")).path("id").asText();
        server.awaitStatus(next, "completed", TIMEOUT);
        assertThat(toolOutputs(server, next)).containsExactly("next-session");
    }

    /** Waits until the session is no longer active, and returns it. */
    private static JsonNode awaitEnd(TestServer server, String id) {
        JsonNode[] last = new JsonNode[1];
        Awaitility.await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = server.session(id);
            return !last[0].path("status").asText().equals("active");
        });
        return last[0];
    }

    private static List<String> toolOutputs(TestServer server, String id) {
        List<String> outputs = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(e -> {
            if (e.path("type").asText().equals("tool_result")) {
                outputs.add(e.path("data").path("output").asText());
            }
        });
        return outputs;
    }
}
