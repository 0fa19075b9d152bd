package dev.magnet.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One scripted answer of {@link FakeAnthropic}: an assistant reply made of content blocks, an API
 * error, or a stream that never finishes, plus how to pace it. Immutable: every method returns a
 * changed copy, so a turn reads as a sentence:
 * {@code Turn.reply().thinking("Plan").text("Writing it").toolUse("Write", Map.of(...)).times(2)}.
 *
 * @param content    the reply's blocks, in order
 * @param stopReason the stop reason to report; null means {@code tool_use} when a tool_use block is
 *                   present, else {@code end_turn}
 * @param delay      how long to wait before answering (before the status line is sent)
 * @param chunkSize  characters per streamed text or thinking delta; 0 sends each block in one delta
 * @param chunkDelay pause before each streamed delta
 * @param times      how many main-loop requests this turn answers before the script moves on
 * @param error      answer with this HTTP error instead of a message; null for a normal reply
 * @param hang       when streaming, send {@code message_start} and then pings until the client goes
 *                   away or the fake closes; a non-streaming request is held until the fake closes
 * @param usage      the token counts to report
 * @param gate       hold the answer (like {@code delay}) until this gate opens; null for none
 * @param dropAfter  when streaming, close the connection abruptly after this many content deltas (the chunked body
 *                   is never ended, as when the network or the API's front end fails mid-answer); -1 for never
 */
public record Turn(
        List<Block> content,
        String stopReason,
        Duration delay,
        int chunkSize,
        Duration chunkDelay,
        int times,
        ApiError error,
        boolean hang,
        Usage usage,
        Gate gate,
        int dropAfter) {

    public Turn {
        content = List.copyOf(content);
        Objects.requireNonNull(delay, "delay");
        Objects.requireNonNull(chunkDelay, "chunkDelay");
        Objects.requireNonNull(usage, "usage");
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, was " + times);
        }
        if (chunkSize < 0) {
            throw new IllegalArgumentException("chunkSize must be 0 (whole block) or more, was " + chunkSize);
        }
        if (dropAfter < -1) {
            throw new IllegalArgumentException("dropAfter must be -1 (never) or a number of deltas, was " + dropAfter);
        }
    }

    /** An empty assistant reply, to be filled with {@link #thinking}, {@link #text} and {@link #toolUse}. */
    public static Turn reply() {
        return new Turn(List.of(), null, Duration.ZERO, 0, Duration.ZERO, 1, null, false, Usage.DEFAULT, null, -1);
    }

    /** An HTTP error answer, e.g. {@code error(529, "overloaded_error", "Overloaded")}. */
    public static Turn error(int status, String type, String message) {
        return reply().withError(new ApiError(status, type, message, Map.of()));
    }

    /** A stream that starts and never finishes (see {@link #hang}). */
    public static Turn hanging() {
        return new Turn(List.of(), null, Duration.ZERO, 0, Duration.ZERO, 1, null, true, Usage.DEFAULT, null, -1);
    }

    /** Adds a thinking block with the signature {@code fakesig}. */
    public Turn thinking(String thinking) {
        return thinking(thinking, "fakesig");
    }

    /** Adds a thinking block with the given signature. */
    public Turn thinking(String thinking, String signature) {
        return withBlock(new Block.Thinking(thinking, signature));
    }

    /** Adds a text block. */
    public Turn text(String text) {
        return withBlock(new Block.Text(text));
    }

    /** Adds a tool call; its {@code toolu_...} id is generated each time the turn is served. */
    public Turn toolUse(String name, Map<String, ?> input) {
        return withBlock(new Block.ToolUse(name, input));
    }

    /** Serves this turn to the next {@code n} main-loop requests (retries count as requests). */
    public Turn times(int n) {
        return new Turn(content, stopReason, delay, chunkSize, chunkDelay, n, error, hang, usage, gate, dropAfter);
    }

    /** Waits this long before answering. */
    public Turn delayed(Duration delay) {
        return new Turn(content, stopReason, delay, chunkSize, chunkDelay, times, error, hang, usage, gate, dropAfter);
    }

    /** Streams text and thinking in deltas of {@code size} characters, pausing {@code delay} before each. */
    public Turn chunked(int size, Duration delay) {
        return new Turn(content, stopReason, this.delay, size, delay, times, error, hang, usage, gate, dropAfter);
    }

    /**
     * Streams the first {@code deltas} content deltas (text, thinking, signature or tool input) of each answer, then
     * closes the connection without ending the response: the client sees the stream break mid-answer, never
     * {@code message_stop}. An answer with no more deltas than that is sent whole.
     */
    public Turn droppedAfter(int deltas) {
        if (deltas < 0) {
            throw new IllegalArgumentException("deltas must be 0 or more, was " + deltas);
        }
        return new Turn(content, stopReason, delay, chunkSize, chunkDelay, times, error, hang, usage, gate, deltas);
    }

    /** Reports this stop reason instead of the derived one. */
    public Turn withStopReason(String stopReason) {
        return new Turn(content, stopReason, delay, chunkSize, chunkDelay, times, error, hang, usage, gate, dropAfter);
    }

    /** Reports these token counts. */
    public Turn withUsage(Usage usage) {
        return new Turn(content, stopReason, delay, chunkSize, chunkDelay, times, error, hang, usage, gate, dropAfter);
    }

    /** Holds each answer of this turn until {@code gate} opens. */
    public Turn heldBy(Gate gate) {
        return new Turn(content, stopReason, delay, chunkSize, chunkDelay, times, error, hang, usage, gate, dropAfter);
    }

    /** Adds a response header to an error turn, e.g. {@code withHeader("retry-after", "1")}. */
    public Turn withHeader(String name, String value) {
        if (error == null) {
            throw new IllegalStateException("headers are only scripted for error turns; start with Turn.error(...)");
        }
        Map<String, String> headers = new LinkedHashMap<>(error.headers());
        headers.put(name, value);
        return withError(new ApiError(error.status(), error.type(), error.message(), headers));
    }

    /** The stop reason to report: the scripted one, else derived from the blocks. */
    public String effectiveStopReason() {
        if (stopReason != null) {
            return stopReason;
        }
        return content.stream().anyMatch(b -> b instanceof Block.ToolUse) ? "tool_use" : "end_turn";
    }

    private Turn withBlock(Block block) {
        List<Block> blocks = new ArrayList<>(content);
        blocks.add(block);
        return new Turn(blocks, stopReason, delay, chunkSize, chunkDelay, times, error, hang, usage, gate, dropAfter);
    }

    private Turn withError(ApiError error) {
        return new Turn(content, stopReason, delay, chunkSize, chunkDelay, times, error, hang, usage, gate, dropAfter);
    }

    /** A content block of a scripted reply. */
    public sealed interface Block {
        /** Extended thinking, streamed as thinking deltas followed by one signature delta. */
        record Thinking(String thinking, String signature) implements Block {
            public Thinking {
                Objects.requireNonNull(thinking, "thinking");
                Objects.requireNonNull(signature, "signature");
            }
        }

        /** Visible text, streamed as text deltas. */
        record Text(String text) implements Block {
            public Text {
                Objects.requireNonNull(text, "text");
            }
        }

        /** A tool call, streamed as one input_json_delta. */
        record ToolUse(String name, Map<String, ?> input) implements Block {
            public ToolUse {
                Objects.requireNonNull(name, "name");
                input = Map.copyOf(input);
            }
        }
    }

    /** An HTTP error answer: status, Messages-API error type and message, extra response headers. */
    public record ApiError(int status, String type, String message, Map<String, String> headers) {
        public ApiError {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(message, "message");
            headers = Map.copyOf(headers);
        }
    }

    /** Token counts reported in {@code message_start}, {@code message_delta} and non-streaming replies. */
    public record Usage(int inputTokens, int outputTokens, int cacheCreationInputTokens, int cacheReadInputTokens) {
        /** What the Python fake reports: 100 in, 20 out, no cache. */
        public static final Usage DEFAULT = new Usage(100, 20, 0, 0);
    }
}
