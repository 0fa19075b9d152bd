package dev.magnet.runner;

import dev.magnet.events.EventData;
import dev.magnet.events.NewEvent;
import dev.magnet.sandbox.AgentView;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxException;
import dev.magnet.sandbox.SandboxProcess;
import dev.magnet.session.FailureReason;
import dev.magnet.session.SessionStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * Runs a session's setup script in its sandbox, after the clone and before the agent (SPEC §5): as {@code bash -eo
 * pipefail} in the workspace, as root inside the sandbox ({@link Sandbox#startAsRoot}), with the environment's variables and secrets and
 * the setup network policy. Its output
 * (stdout and stderr in order) is streamed as {@code setup_output} events, a burst of lines per event; a non-zero
 * exit fails the session {@code setup_failed} with the output's tail, and a script past the time limit is killed and
 * fails it {@code timeout}.
 */
final class SetupStep {
    /** The repository's own setup script, used when the environment names none. */
    static final String REPO_SCRIPT = ".magnet/setup.sh";
    private static final int TAIL_LINES = 40;
    private static final int MAX_LINE_CHARS = 4096;
    private static final int BURST_LINES = 100;
    private static final Duration BURST = Duration.ofMillis(250);

    private final SessionStore store;
    private final Duration timeout;
    private final UnaryOperator<String> redact;
    private final Clock clock;

    SetupStep(SessionStore store, Duration timeout, UnaryOperator<String> redact, Clock clock) {
        this.store = store;
        this.timeout = timeout;
        this.redact = redact;
        this.clock = clock;
    }

    /** What to run: the environment's script, or the repository's file. */
    sealed interface Script {
        /** The environment's {@code setupScript}. */
        record Inline(String text) implements Script {
        }

        /** The repository's {@code .magnet/setup.sh}. */
        record InRepository() implements Script {
        }
    }

    /**
     * Runs the script to its end.
     *
     * @param stopped true once the session was cancelled or the server is stopping: the script is killed
     * @return false when it was stopped so (the script killed), true when it succeeded
     * @throws StepFailure {@code setup_failed} or {@code timeout}
     */
    boolean run(String sessionId, Sandbox sandbox, Script script, Map<String, String> variables, BooleanSupplier stopped)
            throws StepFailure, InterruptedException {
        List<String> command = switch (script) {
            case Script.Inline inline -> List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                    "exec 2>&1\n" + inline.text());
            case Script.InRepository repo -> List.of("bash", "--noprofile", "--norc", "-c",
                    "exec 2>&1; exec bash --noprofile --norc -eo pipefail " + REPO_SCRIPT);
        };
        SandboxProcess process;
        try {
            process = sandbox.startAsRoot(command, environment(sandbox.view(), variables));
        } catch (SandboxException e) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, "The setup script could not start: " + e.getMessage(), e);
        }
        try {
            process.stdin().close();
        } catch (IOException e) {
            // why: the script takes no input; a stdin already gone changes nothing
        }
        Output output = new Output(sessionId);
        Thread reader = Thread.ofVirtual().name("setup-output-" + sessionId).start(() -> output.read(process));
        Instant deadline = clock.instant().plus(timeout);
        int exit = -1;
        while (exit < 0) {
            if (stopped.getAsBoolean()) {
                process.killTree();
                reader.join(Duration.ofSeconds(5));
                return false;
            }
            if (!clock.instant().isBefore(deadline)) {
                process.killTree();
                reader.join(Duration.ofSeconds(5));
                output.flush();
                throw new StepFailure(FailureReason.TIMEOUT, "The setup script ran for more than " + timeout.toSeconds()
                        + " s and was stopped (MAGNET_SETUP_TIMEOUT_SECONDS). Last lines of its output:\n" + output.tail());
            }
            exit = process.waitFor(Duration.ofMillis(200));
            output.flushIfDue();
        }
        reader.join(Duration.ofSeconds(30));
        output.flush();
        if (exit != 0) {
            String name = script instanceof Script.InRepository ? REPO_SCRIPT : "The setup script";
            throw new StepFailure(FailureReason.SETUP_FAILED, name + " failed (exit code " + exit
                    + "). Last lines of its output:\n" + output.tail());
        }
        return true;
    }

    /** What setup runs with: the environment's variables, then the sandbox's paths and proxy (which win). */
    static Map<String, String> environment(AgentView view, Map<String, String> variables) {
        Map<String, String> env = new LinkedHashMap<>(variables);
        env.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", view.home().toString());
        env.put("TMPDIR", view.tmp().toString());
        env.put("LANG", "C.UTF-8");
        env.put("TERM", "dumb");
        env.put("CI", "true");
        if (view.proxyUrl() != null) {
            for (String name : List.of("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy")) {
                env.put(name, view.proxyUrl());
            }
            env.put("NO_PROXY", "127.0.0.1,localhost");
            env.put("no_proxy", "127.0.0.1,localhost");
        }
        return env;
    }

    /**
     * Hands each line of a script's output (stdout, stderr sent there) to {@code line}, cut at {@link #MAX_LINE_CHARS},
     * until the output ends or the process is killed.
     */
    static void readLines(SandboxProcess process, java.util.function.Consumer<String> line) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.stdout(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = in.readLine()) != null) {
                line.accept(l.length() > MAX_LINE_CHARS ? l.substring(0, MAX_LINE_CHARS) + " …" : l);
            }
        } catch (IOException e) {
            // why: the process was killed (timeout, cancel, its sandbox closed); what was read is kept
        }
    }

    /** The script's output: sent on in bursts, its last lines kept for the failure message. */
    private final class Output {
        private final String sessionId;
        private final Deque<String> tail = new ArrayDeque<>();
        private final List<String> burst = new ArrayList<>();
        private Instant burstStarted;

        Output(String sessionId) {
            this.sessionId = sessionId;
        }

        void read(SandboxProcess process) {
            readLines(process, this::add);
        }

        private synchronized void add(String line) {
            tail.addLast(line);
            if (tail.size() > TAIL_LINES) {
                tail.removeFirst();
            }
            if (burst.isEmpty()) {
                burstStarted = clock.instant();
            }
            burst.add(line);
            if (burst.size() >= BURST_LINES || !clock.instant().isBefore(burstStarted.plus(BURST))) {
                flush();
            }
        }

        synchronized void flushIfDue() {
            if (!burst.isEmpty() && !clock.instant().isBefore(burstStarted.plus(BURST))) {
                flush();
            }
        }

        synchronized void flush() {
            if (burst.isEmpty()) {
                return;
            }
            String text = String.join("\n", burst) + "\n";
            burst.clear();
            store.append(sessionId, List.of(NewEvent.of(new EventData.SetupOutput(text, "output"))));
        }

        synchronized String tail() {
            return redact.apply(String.join("\n", tail));
        }
    }
}
