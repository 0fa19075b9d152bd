package dev.magnet.runner;

import dev.magnet.events.EventData;
import dev.magnet.events.NewEvent;
import dev.magnet.preview.PreviewTargets;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxException;
import dev.magnet.sandbox.SandboxProcess;
import dev.magnet.session.RunScriptState;
import dev.magnet.session.Session;
import dev.magnet.session.SessionStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an environment's run script (a dev server) in the session's sandbox in the background while the agent works
 * (SPEC §5): as the agent's account, with the variables and secrets and the network policy the agent has, started after
 * setup and before the agent's first turn, stopped with the sandbox. Its state ({@link RunScriptState}) goes on the
 * session; its output goes out as {@code run_output} events, at most one a second with at most {@link #BURST_LINES}
 * lines: when it writes more, the older lines of the second are left out (counted), so its last lines are always kept.
 * With a preview port, the session is offered to the preview proxy ({@link PreviewTargets}) while it runs.
 */
final class RunScript {
    private static final Logger log = LoggerFactory.getLogger(RunScript.class);
    static final int BURST_LINES = 200;
    private static final Duration EVERY = Duration.ofSeconds(1);
    private static final Duration WATCH = Duration.ofMillis(100);

    private final SessionStore store;
    private final PreviewTargets previews;
    private final Clock clock;

    RunScript(SessionStore store, PreviewTargets previews, Clock clock) {
        this.store = store;
        this.previews = previews;
        this.clock = clock;
    }

    /**
     * Starts {@code script} in the sandbox; its state is {@code starting} until its port listens.
     *
     */
    Running start(Session s, Sandbox sandbox, String script, Integer port, Map<String, String> variables) {
        List<String> command = List.of("bash", "--noprofile", "--norc", "-c", "exec 2>&1\n" + script);
        Running running = new Running(s, sandbox, port);
        store.saveRunScript(s.id(), RunScriptState.starting(port, clock.instant()));
        try {
            running.process = sandbox.startService(command, SetupStep.environment(sandbox.view(), variables), port);
        } catch (SandboxException e) {
            store.append(s.id(), List.of(NewEvent.of(new EventData.RunOutput("magnet: the run script could not start: "
                    + e.getMessage() + "\n", 0))));
            store.saveRunScript(s.id(), RunScriptState.starting(port, clock.instant()).exited(-1, clock.instant()));
            return running;
        }
        try {
            running.process.stdin().close();
        } catch (IOException e) {
            // why: the script takes no input
        }
        running.reader = Thread.ofVirtual().name("run-output-" + s.id()).start(running::read);
        running.watcher = Thread.ofVirtual().name("run-watch-" + s.id()).start(running::watch);
        if (port != null) {
            previews.offer(new PreviewTargets.Target(s.id(), s.workspaceId(), sandbox::servicePort));
        }
        return running;
    }

    /** One run of the script, until it exits or the sandbox closes. */
    final class Running implements AutoCloseable {
        private final String sessionId;
        private final Sandbox sandbox;
        private final Integer port;
        private final Deque<String> burst = new ArrayDeque<>();
        private long skipped;
        private Instant lastFlush = Instant.EPOCH;
        private volatile SandboxProcess process;
        private volatile Thread reader;
        private volatile Thread watcher;
        private volatile boolean closing;
        private RunScriptState state;

        private Running(Session s, Sandbox sandbox, Integer port) {
            this.sessionId = s.id();
            this.sandbox = sandbox;
            this.port = port;
            this.state = RunScriptState.starting(port, clock.instant());
        }

        private void read() {
            SetupStep.readLines(process, this::add);
        }

        private synchronized void add(String line) {
            burst.addLast(line);
            if (burst.size() > BURST_LINES) {
                burst.removeFirst();
                skipped++;
            }
        }

        private synchronized void flush(boolean force) {
            Instant now = clock.instant();
            if (burst.isEmpty() || (!force && now.isBefore(lastFlush.plus(EVERY)))) {
                return;
            }
            String text = String.join("\n", burst) + "\n";
            long left = skipped;
            burst.clear();
            skipped = 0;
            lastFlush = now;
            store.append(sessionId, List.of(NewEvent.of(new EventData.RunOutput(text, left))));
        }

        private void watch() {
            try {
                if (port == null) {
                    move(state.running(clock.instant()));
                }
                while (!closing) {
                    int exit = process.waitFor(WATCH);
                    if (exit >= 0) {
                        reader.join(Duration.ofSeconds(5));
                        flush(true);
                        if (!closing) {
                            move(state.exited(exit, clock.instant()));
                        }
                        return;
                    }
                    if (state.state() == RunScriptState.State.STARTING && sandbox.servicePort(false).isPresent()) {
                        move(state.listening(clock.instant()));
                    }
                    flush(false);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("session {}: watching the run script failed: {}", sessionId, e.getMessage());
            }
        }

        private synchronized void move(RunScriptState next) {
            state = next;
            store.saveRunScript(sessionId, next);
        }

        /** Stops the script (its sandbox is closing or being replaced) and withdraws the preview. */
        @Override
        public void close() {
            closing = true;
            previews.withdraw(sessionId);
            if (process == null) {
                return;
            }
            process.killTree();
            try {
                if (watcher != null) {
                    watcher.join(Duration.ofSeconds(5));
                }
                if (reader != null) {
                    reader.join(Duration.ofSeconds(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            flush(true);
            synchronized (this) {
                if (state.state().alive()) {
                    move(state.stopped(clock.instant()));
                }
            }
        }
    }
}
