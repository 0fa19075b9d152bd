package dev.magnet.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Follows one session's event stream until its {@code end} frame, printing every event once.
 *
 * <p>A connection that drops, ends without {@code end}, answers 5xx, or stays silent (not even a
 * heartbeat) for longer than the idle timeout is reopened after a backoff with
 * {@code Last-Event-ID} set to the last sequence number printed; events the server sends again are
 * skipped. The first connection's failures are reported at once, as are 4xx answers.
 */
final class EventFollower {

    private final MagnetClient client;
    private final EventPrinter printer;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Style style;
    private final Backoff backoff;
    private final Duration idleTimeout;
    private final boolean json;

    /** @param json print each event's JSON as one line, and the end as {@code {"end": …}}, instead of text */
    EventFollower(MagnetClient client, EventPrinter printer, PrintWriter out, PrintWriter err, Style style,
            Backoff backoff, Duration idleTimeout, boolean json) {
        this.client = client;
        this.printer = printer;
        this.out = out;
        this.err = err;
        this.style = style;
        this.backoff = backoff;
        this.idleTimeout = idleTimeout;
        this.json = json;
    }

    /**
     * Prints the session's events after {@code after} (all when null) until the stream ends.
     *
     * @return {@link ExitCodes#OK} when the session completed, {@link ExitCodes#SESSION_FAILED} when it failed
     * @throws CliException when the server cannot be reached at first, refuses, or stays away too long
     */
    int follow(String sessionId, Long after) throws InterruptedException {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "magnet-follow-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Cursor cursor = new Cursor(after);
            int quietAttempts = 0;
            while (true) {
                Attempt attempt = attempt(sessionId, cursor, watchdog);
                if (attempt instanceof Attempt.Ended ended) {
                    return ended.exitCode();
                }
                Attempt.Dropped dropped = (Attempt.Dropped) attempt;
                quietAttempts = dropped.receivedAnything() ? 1 : quietAttempts + 1;
                if (quietAttempts > backoff.maxAttempts()) {
                    throw new CliException.Unreachable(client.baseUrl(),
                            "gave up following after " + backoff.maxAttempts() + " attempts to reconnect: " + dropped.reason());
                }
                Duration delay = backoff.delay(quietAttempts);
                err.println(style.dim("connection lost (" + dropped.reason() + "); reconnecting in "
                        + Formats.duration(delay.toMillis())));
                err.flush();
                Thread.sleep(delay.toMillis());
            }
        } finally {
            watchdog.shutdownNow();
        }
    }

    private Attempt attempt(String sessionId, Cursor cursor, ScheduledExecutorService watchdog)
            throws InterruptedException {
        EventStream stream;
        try {
            stream = cursor.connected
                    ? client.openEvents(sessionId, cursor.lastSeq, null)
                    : client.openEvents(sessionId, null, cursor.lastSeq);
        } catch (CliException.Unreachable e) {
            if (!cursor.connected) {
                throw e;
            }
            return new Attempt.Dropped(e.reason(), false);
        } catch (CliException.ServerAnswer e) {
            if (!cursor.connected || !e.isServerError()) {
                throw e;
            }
            return new Attempt.Dropped(e.getMessage(), false);
        }
        cursor.connected = true;
        long checkEvery = Math.max(10, idleTimeout.toMillis() / 4);
        ScheduledFuture<?> silenceCheck = watchdog.scheduleAtFixedRate(() -> {
            if (stream.silence().compareTo(idleTimeout) > 0) {
                stream.close();
            }
        }, checkEvery, checkEvery, TimeUnit.MILLISECONDS);
        try (stream) {
            for (SseFrame frame = stream.next(); frame != null; frame = stream.next()) {
                if ("end".equals(frame.event())) {
                    return new Attempt.Ended(end(StreamEnd.parse(frame.data()), frame.data()));
                }
                if (!frame.data().isBlank()) {
                    print(frame, cursor);
                }
            }
            return new Attempt.Dropped("the server closed the stream", stream.receivedAnything());
        } catch (IOException e) {
            String reason = stream.silence().compareTo(idleTimeout) > 0
                    ? "nothing received for " + Formats.duration(idleTimeout.toMillis())
                    : MagnetClient.describe(e);
            return new Attempt.Dropped(reason, stream.receivedAnything());
        } finally {
            silenceCheck.cancel(false);
        }
    }

    private void print(SseFrame frame, Cursor cursor) {
        SessionEvent event;
        try {
            event = SessionEvent.parse(frame.data());
        } catch (CliException.Unexpected e) {
            err.println(style.dim("skipped an event the client cannot read (" + e.getMessage() + ")"));
            err.flush();
            return;
        }
        if (cursor.lastSeq != null && event.seq() <= cursor.lastSeq) {
            return;
        }
        if (json) {
            out.println(ClientJson.write(ClientJson.parse(frame.data())));
        } else {
            for (String line : printer.lines(event)) {
                out.println(line);
            }
        }
        out.flush();
        cursor.lastSeq = event.seq();
    }

    private int end(StreamEnd end, String data) {
        if (json) {
            out.println("{\"end\":" + (data == null || data.isBlank() ? "{}" : ClientJson.write(ClientJson.parse(data))) + "}");
        } else {
            for (String line : printer.end(end)) {
                out.println(line);
            }
        }
        out.flush();
        return end.failed() ? ExitCodes.SESSION_FAILED : ExitCodes.OK;
    }

    /** Where following stands: the last sequence number printed (or asked to start after), and whether a connection was made. */
    private static final class Cursor {
        private Long lastSeq;
        private boolean connected;

        private Cursor(Long after) {
            this.lastSeq = after;
        }
    }

    /** How one connection ended: the stream's end, or a drop to reconnect after. */
    private sealed interface Attempt {
        record Ended(int exitCode) implements Attempt {
        }

        record Dropped(String reason, boolean receivedAnything) implements Attempt {
        }
    }
}
