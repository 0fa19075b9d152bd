package dev.magnet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proves {@link FakeAnthropic} by running the real Claude Code CLI against it, plus a few raw HTTP checks. */
class FakeAnthropicIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path repo;
    @TempDir
    Path home;

    private FakeAnthropic fake;

    @BeforeEach
    void startFakeAndRepository() throws Exception {
        fake = FakeAnthropic.start();
        run(repo, "git", "init", "-q", "-b", "main");
        run(repo, "git", "config", "user.name", "Magnet Test");
        run(repo, "git", "config", "user.email", "test@magnet.invalid");
    }

    @AfterEach
    void stopFake() {
        fake.close();
    }

    @Test
    void claude_code_writes_a_file_and_commits_against_the_fake() throws Exception {
        fake.script(Script.of(
                Turn.reply()
                        .thinking("I should create hello.txt, then commit it.", "sig-1")
                        .text("I'll create the file.")
                        .toolUse("Write", Map.of("file_path", repo.resolve("hello.txt").toString(), "content", "hello world\n"))
                        .chunked(12, Duration.ofMillis(5)),
                Turn.reply().toolUse("Bash", Map.of("command", "git add -A && git commit -qm 'Add hello'",
                        "description", "Commit the file")),
                Turn.reply().text("Done: created hello.txt and committed it.")));

        try (Claude claude = Claude.start(repo, home, fake)) {
            claude.send("Create hello.txt and commit it");
            List<JsonNode> lines = claude.readUntil(isType("result"), TIMEOUT);
            JsonNode result = lines.getLast();

            assertThat(result.path("is_error").asBoolean(true)).as(result.toString()).isFalse();
            assertThat(result.path("result").asText()).isEqualTo("Done: created hello.txt and committed it.");
            assertThat(deltaTypes(lines)).contains("thinking_delta", "signature_delta", "text_delta", "input_json_delta");
            assertThat(claude.closeStdinAndWait(TIMEOUT)).isZero();
        }
        assertThat(Files.readString(repo.resolve("hello.txt"))).isEqualTo("hello world\n");
        assertThat(run(repo, "git", "log", "--format=%s")).isEqualTo("Add hello");
        assertThat(run(repo, "git", "show", "HEAD:hello.txt")).isEqualTo("hello world");

        List<RecordedRequest> main = fake.mainRequests();
        assertThat(main).hasSize(3);
        assertThat(fake.requests()).allSatisfy(request -> {
            assertThat(request.path()).isEqualTo("/v1/messages?beta=true");
            assertThat(request.header("x-api-key")).isEqualTo("sk-test-123");
        });
        assertThat(main.getFirst().summary().model()).isEqualTo("claude-opus-4-6");
        assertThat(main.getFirst().mentions("Create hello.txt and commit it")).isTrue();
        assertThat(main.get(1).summary().messagesText()).anyMatch(text -> text.contains("[tool_result toolu_"));
    }

    @Test
    void an_overloaded_api_is_retried_and_then_reported_as_an_error_result() throws Exception {
        fake.script(Script.of(
                Turn.error(529, "overloaded_error", "Overloaded (fake)").times(3),
                Turn.reply().text("never served")));

        try (Claude claude = Claude.start(repo, home, fake)) {
            claude.send("Say hi");
            List<JsonNode> lines = claude.readUntil(isType("result"), TIMEOUT);
            JsonNode result = lines.getLast();

            List<JsonNode> retries = lines.stream()
                    .filter(line -> line.path("type").asText().equals("system"))
                    .filter(line -> line.path("subtype").asText().equals("api_retry"))
                    .toList();
            assertThat(retries).hasSize(2).allSatisfy(retry -> {
                assertThat(retry.path("error_status").asInt()).isEqualTo(529);
                assertThat(retry.path("error").asText()).isEqualTo("overloaded");
            });
            assertThat(result.path("is_error").asBoolean()).isTrue();
            assertThat(result.path("api_error_status").asInt()).isEqualTo(529);
            assertThat(claude.closeStdinAndWait(TIMEOUT)).isEqualTo(1);
        }
        assertThat(fake.mainRequests()).hasSize(3).allSatisfy(request -> assertThat(request.served()).isEqualTo("turn0"));
    }

    @Test
    void a_follow_up_sent_while_a_turn_is_held_reaches_the_fake_in_the_next_request() throws Exception {
        Gate gate = Gate.closed();
        fake.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo first step", "description", "First step")).heldBy(gate),
                Turn.reply().text("Did both.")));

        try (Claude claude = Claude.start(repo, home, fake)) {
            claude.send("FIRST: run a step");
            gate.awaitReached(TIMEOUT);
            String followUp = claude.send("SECOND: also do this");
            claude.readUntil(line -> line.path("type").asText().equals("command_lifecycle")
                    && line.path("command_uuid").asText().equals(followUp)
                    && line.path("state").asText().equals("queued"), TIMEOUT);
            gate.open();

            RecordedRequest next = fake.awaitRequestMentioning("SECOND: also do this", TIMEOUT);
            // why: with claude-opus-4-6 the CLI folds the follow-up into the tool result of the running turn
            assertThat(next.served()).isEqualTo("turn1");
            assertThat(next.summary().messagesText().getLast()).startsWith("user: [tool_result toolu_");
            JsonNode result = claude.readUntil(isType("result"), TIMEOUT).getLast();
            assertThat(result.path("result").asText()).isEqualTo("Did both.");
            assertThat(claude.closeStdinAndWait(TIMEOUT)).isZero();
        }
        assertThat(fake.mainRequests()).hasSize(2);
    }

    @Test
    void an_interrupt_during_a_hanging_stream_is_recorded_as_a_disconnect() throws Exception {
        fake.script(Script.of(Turn.hanging()));

        try (Claude claude = Claude.start(repo, home, fake)) {
            claude.send("Take your time");
            // why: the stream's first event reaching the CLI proves the fake flushes per event
            claude.readUntil(line -> line.path("event").path("type").asText().equals("message_start"), TIMEOUT);
            claude.interrupt();
            JsonNode result = claude.readUntil(isType("result"), TIMEOUT).getLast();

            assertThat(result.path("subtype").asText()).isEqualTo("error_during_execution");
            assertThat(result.path("terminal_reason").asText()).isEqualTo("aborted_streaming");
        }
        assertThat(fake.awaitDisconnect(TIMEOUT).served()).isEqualTo("turn0");
    }

    @Test
    void a_request_without_stream_gets_one_json_message() throws Exception {
        fake.script(Script.of(Turn.reply().text("Hello").toolUse("Read", Map.of("file_path", "/x"))));

        HttpResponse<String> response = post("/v1/messages",
                "{\"model\":\"m\",\"max_tokens\":10,\"tools\":[{\"name\":\"Read\"}],"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        JsonNode message = JSON.readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(message.path("model").asText()).isEqualTo("m");
        assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(message.path("content").get(0).path("text").asText()).isEqualTo("Hello");
        assertThat(message.path("content").get(1).path("id").asText()).startsWith("toolu_");
        assertThat(fake.awaitRequests(1, TIMEOUT).getFirst().served()).isEqualTo("turn0");
    }

    @Test
    void tool_less_requests_get_the_aux_turn_and_other_paths_a_404() throws Exception {
        fake.script(Script.of(Turn.reply().text("main")).withAux(Turn.reply().text("probe answer")));

        HttpResponse<String> probe = post("/v1/messages?beta=true",
                "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        HttpResponse<String> tokens = post("/v1/messages/count_tokens", "{\"messages\":[]}");
        HttpResponse<String> unknown = post("/v1/other", "{}");

        assertThat(JSON.readTree(probe.body()).path("content").get(0).path("text").asText()).isEqualTo("probe answer");
        assertThat(JSON.readTree(tokens.body()).path("input_tokens").asInt()).isEqualTo(42);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("error").path("type").asText()).isEqualTo("not_found_error");
        assertThat(fake.requests()).extracting(RecordedRequest::served).containsExactly("aux", null, null);
        assertThat(fake.mainRequests()).isEmpty();
    }

    // ---- helpers

    private static Predicate<JsonNode> isType(String type) {
        return line -> line.path("type").asText().equals(type);
    }

    private static List<String> deltaTypes(List<JsonNode> lines) {
        return lines.stream()
                .filter(isType("stream_event"))
                .map(line -> line.path("event").path("delta").path("type").asText())
                .filter(type -> !type.isEmpty())
                .distinct()
                .toList();
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request(path, body), HttpResponse.BodyHandlers.ofString());
        }
    }

    private HttpRequest request(String path, String body) {
        return HttpRequest.newBuilder(URI.create(fake.baseUrl() + path))
                .header("content-type", "application/json")
                .header("x-api-key", "sk-test-123")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** Runs a command in {@code dir} and returns its trimmed output; fails on a non-zero exit. */
    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
        return output;
    }

    /** The real Claude Code CLI, driven over stream-json the way Magnet runs it. */
    private static final class Claude implements AutoCloseable {
        private static final JsonNode END_OF_OUTPUT = TextNode.valueOf("<end of stdout>");

        private final Process process;
        private final OutputStream stdin;
        private final Path stderr;
        private final BlockingQueue<JsonNode> stdout = new LinkedBlockingQueue<>();

        private Claude(Process process, Path stderr) {
            this.process = process;
            this.stdin = process.getOutputStream();
            this.stderr = stderr;
            Thread.ofVirtual().start(this::readStdout);
        }

        static Claude start(Path repo, Path home, FakeAnthropic fake) throws IOException {
            Path stderr = Files.createTempFile(home, "claude-", ".stderr");
            ProcessBuilder builder = new ProcessBuilder(binary(), "-p",
                    "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
                    "--include-partial-messages", "--permission-mode", "bypassPermissions",
                    "--model", "claude-opus-4-6")
                    .directory(repo.toFile())
                    .redirectError(stderr.toFile());
            Map<String, String> env = builder.environment();
            env.clear(); // why: no ANTHROPIC_* or CLAUDE_* variable of the machine may leak into the run
            env.put("PATH", System.getenv("PATH"));
            env.put("HOME", home.toString());
            env.put("ANTHROPIC_BASE_URL", fake.baseUrl());
            env.put("ANTHROPIC_API_KEY", "sk-test-123");
            env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
            env.put("CLAUDE_CODE_MAX_RETRIES", "2");
            env.put("IS_SANDBOX", "1"); // why: bypassPermissions is refused to root without it
            return new Claude(builder.start(), stderr);
        }

        /** The CLI: {@code -Dmagnet.claude.bin}, else {@code $MAGNET_CLAUDE_BIN}, else the pinned one in .tools. */
        private static String binary() {
            String configured = System.getProperty("magnet.claude.bin", System.getenv("MAGNET_CLAUDE_BIN"));
            Path binary = Path.of(configured != null ? configured : ".tools/node_modules/.bin/claude").toAbsolutePath();
            assertThat(binary).as("the Claude Code CLI; install it into .tools or set -Dmagnet.claude.bin").isExecutable();
            return binary.toString();
        }

        /** Writes one user message line and returns its uuid. */
        String send(String text) throws IOException {
            String uuid = UUID.randomUUID().toString();
            ObjectNode line = JSON.createObjectNode().put("type", "user").put("session_id", "");
            line.putObject("message").put("role", "user")
                    .putArray("content").addObject().put("type", "text").put("text", text);
            line.putNull("parent_tool_use_id");
            line.put("uuid", uuid);
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            return uuid;
        }

        /** Asks the CLI to stop the running turn. */
        void interrupt() throws IOException {
            String line = "{\"type\":\"control_request\",\"request_id\":\"int-1\",\"request\":{\"subtype\":\"interrupt\"}}\n";
            stdin.write(line.getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        }

        /**
         * Reads stdout lines up to and including the first that matches {@code last}.
         *
         * @throws AssertionError when stdout ends or {@code timeout} passes first
         */
        List<JsonNode> readUntil(Predicate<JsonNode> last, Duration timeout) throws InterruptedException, IOException {
            List<JsonNode> lines = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                JsonNode line = stdout.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || line == END_OF_OUTPUT) {
                    throw new AssertionError((line == null ? "timed out" : "stdout ended") + " before the expected line;"
                            + " stdout so far:\n" + String.join("\n", lines.stream().map(JsonNode::toString).toList())
                            + "\nstderr:\n" + Files.readString(stderr));
                }
                lines.add(line);
                if (last.test(line)) {
                    return lines;
                }
            }
        }

        /** Closes stdin, which lets the CLI finish and exit, and returns its exit code. */
        int closeStdinAndWait(Duration timeout) throws IOException, InterruptedException {
            stdin.close();
            assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("the CLI exits after stdin closes").isTrue();
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }

        private void readStdout() {
            try (BufferedReader reader = process.inputReader(StandardCharsets.UTF_8)) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    stdout.add(parse(line));
                }
            } catch (IOException e) {
                // the process was killed; fall through to the end marker
            }
            stdout.add(END_OF_OUTPUT);
        }

        private static JsonNode parse(String line) {
            try {
                return JSON.readTree(line);
            } catch (IOException e) {
                return TextNode.valueOf(line);
            }
        }
    }
}
