package dev.magnet.runner;

import dev.magnet.agent.ClaudeAgent;
import dev.magnet.agent.StreamJsonMapper;
import dev.magnet.gateway.ModelRelay;
import dev.magnet.sandbox.AgentView;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.session.Session;
import dev.magnet.session.SessionMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One generation of the agent process in a session's sandbox: the CLI, the mapper of its output, the messages
 * written to it and those it took. A resume (after the process limit, a restart or a follow-up) replaces it with
 * the next generation; the lines and exit of an older one are told apart by {@link #generation()}.
 */
final class AgentRun implements AutoCloseable {
    private final String sessionId;
    private final int generation;
    private final ClaudeAgent agent;
    private final StreamJsonMapper mapper;
    private final ModelRelay relay;
    private final Set<String> written = new HashSet<>();
    private final Set<String> delivered = new HashSet<>();

    private AgentRun(String sessionId, int generation, ClaudeAgent agent, StreamJsonMapper mapper, ModelRelay relay) {
        this.sessionId = sessionId;
        this.generation = generation;
        this.agent = agent;
        this.mapper = mapper;
        this.relay = relay;
    }

    /** How the agent is started: its retry budget and the longest stdout line taken from it. */
    record Settings(int modelMaxRetries, long maxLineBytes) {
    }

    /**
     * What the session's environment gives the agent: its variables and secrets, and whether the model provider may
     * reach the internet for it (web tools, MCP servers), which only an agent network policy of {@code full} allows.
     */
    record Environment(Map<String, String> variables, boolean internetAllowed) {
        static final Environment NONE = new Environment(Map.of(), false);

        Environment {
            variables = Map.copyOf(variables);
        }
    }

    /**
     * Starts the CLI in the sandbox: a new conversation, or {@code --resume} once the session's agent has started.
     * Its stdout lines and its exit go to {@code signals} tagged with {@code generation}.
     *
     * @throws dev.magnet.sandbox.SandboxException when it cannot start
     */
    static AgentRun start(Session s, Sandbox sandbox, ModelRelay relay, Settings settings, Environment environment,
                          int generation, Consumer<Signal> signals) {
        String token = relay.open(s.id(), s.workspaceId(), environment.internetAllowed());
        AgentView view = sandbox.view();
        ClaudeAgent.Launch launch = new ClaudeAgent.Launch(view.claudeBin(), s.model(), s.agentSessionId(),
                s.agentStarted(), view.modelBaseUrl(), token, settings.modelMaxRetries(), view.home(), view.tmp(),
                view.proxyUrl(), environment.variables());
        try {
            ClaudeAgent agent = ClaudeAgent.start(sandbox, launch, settings.maxLineBytes(),
                    line -> signals.accept(new Signal.Line(generation, line)),
                    code -> signals.accept(new Signal.Exited(generation, code)));
            return new AgentRun(s.id(), generation, agent, new StreamJsonMapper(view.workspace()), relay);
        } catch (RuntimeException e) {
            relay.close(s.id());
            throw e;
        }
    }

    int generation() {
        return generation;
    }

    StreamJsonMapper mapper() {
        return mapper;
    }

    /**
     * Writes the messages this process has not been given yet, in order.
     *
     * @return how many were written now
     */
    int deliver(List<SessionMessage> queued) {
        int count = 0;
        for (SessionMessage m : queued) {
            if (written.add(m.id())) {
                try {
                    agent.sendUserMessage(m.id(), m.text());
                    count++;
                } catch (IOException e) {
                    // why: a process that stopped reading is dead or dying; its exit says why, and the message stays queued
                    written.remove(m.id());
                }
            }
        }
        return count;
    }

    /** Writes a message of Magnet's own (e.g. "continue after a restart"). */
    void send(String id, String text) throws IOException {
        written.add(id);
        agent.sendUserMessage(id, text);
    }

    /** The agent took these messages into its conversation. */
    void tookAll(Collection<String> ids) {
        delivered.addAll(ids);
    }

    /** True when the agent already took the message with this id in this process. */
    boolean took(String id) {
        return delivered.contains(id);
    }

    /** True when every message written to this process was taken. */
    boolean tookEverythingWritten() {
        return delivered.containsAll(written);
    }

    void interrupt() throws IOException {
        agent.interrupt();
    }

    boolean isAlive() {
        return agent.isAlive();
    }

    /** Why Magnet stopped the process itself (e.g. an over-long line), if it did. */
    Optional<String> stoppedBecause() {
        return agent.stoppedBecause();
    }

    String stderrTail() {
        return agent.stderrTail();
    }

    /** Closes its input and lets it exit within {@code grace}, then kills it; its relay token stops working. */
    void stop(Duration grace) throws InterruptedException {
        try {
            agent.stop(grace);
        } finally {
            relay.close(sessionId);
        }
    }

    /** Kills it at once. */
    @Override
    public void close() {
        agent.close();
        relay.close(sessionId);
    }
}
