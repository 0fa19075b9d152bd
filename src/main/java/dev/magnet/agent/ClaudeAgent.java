package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Claude Code CLI process driven over stream-json (../shared/reference/claude-code-protocol.md):
 * every stdout line goes to a listener as JSON, user messages and control requests go to stdin.
 * The process runs in the session's sandbox with only the environment built here.
 */
public final class ClaudeAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClaudeAgent.class);
    private static final int STDERR_TAIL_LINES = 20;
    private static final int STDERR_MAX_LINE_BYTES = 64 * 1024;

    private final SandboxProcess process;
    private final ArrayDeque<String> stderrTail = new ArrayDeque<>();
    private final Object writeLock = new Object();
    private int controlCounter;
    private Thread stderrReader;
    private volatile String stoppedBecause;

    /**
     * How to launch the agent.
     *
     * @param agentSessionId the conversation id: preassigned on the first start, resumed afterwards
     * @param resume         continue the kept conversation ({@code --resume}) instead of starting it
     * @param relayUrl       the model relay the agent talks to
     * @param relayToken     the per-session token that stands in for an API key
     * @param claudeBin      the CLI, home and tmp: paths as the sandbox sees them
     * @param proxyUrl       the sandbox's egress proxy, or null when it has none
     */
    /**
     * How to start the CLI.
     *
     * @param variables the environment's variables and secrets (SPEC §5); Magnet's own variables win over them, but
     *                  a {@code PATH} given here is kept
     */
    public record Launch(Path claudeBin, String model, String agentSessionId, boolean resume, String relayUrl,
                         String relayToken, int maxRetries, Path home, Path tmp, String proxyUrl,
                         Map<String, String> variables) {
        public Launch {
            variables = Map.copyOf(variables);
        }
    }

    private ClaudeAgent(SandboxProcess process) {
        this.process = process;
    }

    /**
     * Starts the CLI in the sandbox. {@code onLine} receives every stdout JSON line (on a reader thread, in order);
     * {@code onExit} receives the exit code once stdout is closed and the process has ended. A stdout line longer
     * than {@code maxLineBytes} is not read to its end: the process tree is killed, and {@link #stoppedBecause()}
     * says why.
     *
     * @param maxLineBytes the longest stdout line taken from the agent ({@code SessionLimits.agentMaxLineBytes()})
     */
    public static ClaudeAgent start(Sandbox sandbox, Launch launch, long maxLineBytes, Consumer<JsonNode> onLine,
                                    IntConsumer onExit) {
        SandboxProcess process = sandbox.start(command(launch), environment(launch));
        ClaudeAgent agent = new ClaudeAgent(process);
        agent.stderrReader = Thread.ofVirtual().name("agent-stderr-" + process.pid())
                .start(() -> agent.drainStderr(process.stderr()));
        Thread.ofVirtual().name("agent-stdout-" + process.pid())
                .start(() -> agent.readStdout(new BoundedLineReader(process.stdout(), maxLineBytes), onLine, onExit));
        return agent;
    }

    /** The argv of the CLI in stream-json mode (protocol §1). */
    static List<String> command(Launch launch) {
        List<String> argv = new ArrayList<>(List.of(launch.claudeBin().toString(), "-p",
                "--input-format", "stream-json", "--output-format", "stream-json", "--verbose",
                "--include-partial-messages", "--permission-mode", "bypassPermissions",
                "--model", launch.model()));
        argv.add(launch.resume() ? "--resume" : "--session-id");
        argv.add(launch.agentSessionId());
        return argv;
    }

    /**
     * Exactly the variables the agent gets: the environment's own (its secrets included), then Magnet's, with no
     * credential of Magnet's but the session's relay token.
     */
    static Map<String, String> environment(Launch launch) {
        Map<String, String> env = new LinkedHashMap<>(launch.variables());
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", launch.home().toString());
        env.put("TMPDIR", launch.tmp().toString());
        env.put("CLAUDE_CODE_TMPDIR", launch.tmp().toString());
        env.put("LANG", "C.UTF-8");
        env.put("TERM", "dumb");
        env.put("ANTHROPIC_BASE_URL", launch.relayUrl());
        env.put("ANTHROPIC_API_KEY", launch.relayToken());
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("CLAUDE_CODE_MAX_RETRIES", Integer.toString(launch.maxRetries()));
        env.put("DISABLE_AUTOUPDATER", "1");
        // why: the CLI refuses bypassPermissions as root unless told it is sandboxed (protocol §2.2)
        env.put("IS_SANDBOX", "1");
        env.put("CLAUDE_CODE_ENTRYPOINT", "sdk-java");
        if (launch.proxyUrl() != null) {
            // why: tools (curl, git, npm, pip) find the egress proxy here; the relay on loopback is reached directly
            for (String name : List.of("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")) {
                env.put(name, launch.proxyUrl());
            }
            env.put("NO_PROXY", "127.0.0.1,localhost");
            env.put("no_proxy", "127.0.0.1,localhost");
        }
        return env;
    }

    /** Writes one user message (protocol §4.1); the CLI queues it if a turn is running. */
    public void sendUserMessage(String uuid, String text) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "user");
        line.put("session_id", "");
        line.put("message", Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", text))));
        line.put("parent_tool_use_id", null);
        line.put("uuid", uuid);
        write(line);
    }

    /** Asks the CLI to stop the current turn (protocol §8); queued messages survive. */
    public void interrupt() throws IOException {
        write(Map.of("type", "control_request", "request_id", "interrupt-" + nextControlId(),
                "request", Map.of("subtype", "interrupt")));
    }

    /** Closes stdin: the CLI finishes what it has and exits. */
    public void closeInput() {
        synchronized (writeLock) {
            try {
                process.stdin().close();
            } catch (IOException e) {
                log.debug("closing agent stdin: {}", e.getMessage());
            }
        }
    }

    /** Waits for the exit, killing the process tree if it takes longer than {@code grace}. */
    public int stop(Duration grace) throws InterruptedException {
        closeInput();
        int code = process.waitFor(grace);
        if (code == -1) {
            process.killTree();
            code = process.waitFor(Duration.ofSeconds(5));
        }
        return code;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Why Magnet stopped the agent itself, as a message for the user (it went past a bound), or empty when it did
     * not. Set before the exit is reported.
     */
    public Optional<String> stoppedBecause() {
        return Optional.ofNullable(stoppedBecause);
    }

    /** The last lines the CLI wrote to stderr, for failure messages. */
    public String stderrTail() {
        synchronized (stderrTail) {
            return String.join("\n", stderrTail);
        }
    }

    @Override
    public void close() {
        process.killTree();
    }

    private int nextControlId() {
        synchronized (writeLock) {
            return ++controlCounter;
        }
    }

    private void write(Map<String, Object> message) throws IOException {
        byte[] line = (Json.write(message) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (writeLock) {
            OutputStream stdin = process.stdin();
            stdin.write(line);
            stdin.flush();
        }
    }

    private void readStdout(BoundedLineReader stdout, Consumer<JsonNode> onLine, IntConsumer onExit) {
        try (BoundedLineReader reader = stdout) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode json;
                try {
                    json = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    log.warn("agent wrote a line that is not JSON ({} chars)", line.length());
                    continue;
                }
                try {
                    onLine.accept(json);
                } catch (RuntimeException e) {
                    log.error("handling an agent line failed", e);
                }
            }
        } catch (BoundedLineReader.LineTooLongException e) {
            stoppedBecause = "The agent wrote a line of more than " + e.maxBytes() / 1024 + " KiB on stdout "
                    + "(MAGNET_AGENT_MAX_LINE_KB); Magnet stopped it there.";
            log.warn("agent {} wrote a stdout line of more than {} bytes; killing it", process.pid(), e.maxBytes());
            process.killTree();
        } catch (IOException e) {
            log.debug("agent stdout closed: {}", e.getMessage());
        }
        int code;
        try {
            code = process.waitFor(Duration.ofSeconds(30));
            stderrReader.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = -1;
        }
        onExit.accept(code);
    }

    private void drainStderr(InputStream stderr) {
        try (BoundedLineReader reader = new BoundedLineReader(stderr, STDERR_MAX_LINE_BYTES)) {
            while (true) {
                String line;
                try {
                    line = reader.readLine();
                } catch (BoundedLineReader.LineTooLongException e) {
                    line = "[a line of more than " + e.maxBytes() / 1024 + " KiB, left out]";
                }
                if (line == null) {
                    return;
                }
                keepStderr(line.length() > 500 ? line.substring(0, 500) + "…" : line);
            }
        } catch (IOException e) {
            log.debug("agent stderr closed: {}", e.getMessage());
        }
    }

    private void keepStderr(String line) {
        synchronized (stderrTail) {
            stderrTail.addLast(line);
            if (stderrTail.size() > STDERR_TAIL_LINES) {
                stderrTail.removeFirst();
            }
        }
    }
}
