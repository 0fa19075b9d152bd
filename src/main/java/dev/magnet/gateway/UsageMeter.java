package dev.magnet.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads token counts out of a Messages API answer as it streams past the relay: {@code message_start}
 * carries the input tokens, {@code message_delta} the output tokens; a non-streamed answer carries both in
 * its {@code usage}. Lines longer than the limit are skipped, so the meter's memory stays bounded.
 */
final class UsageMeter {
    private static final int MAX_LINE = 256 * 1024;

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
    private boolean overflow;
    private String model;
    private long inputTokens;
    private long outputTokens;
    private long cacheWriteTokens;
    private long cacheReadTokens;

    /** Feeds a chunk of the answer. */
    void feed(byte[] buffer, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = buffer[i];
            if (whole.size() < MAX_LINE) {
                whole.write(b);
            }
            if (b == '\n') {
                if (!overflow) {
                    sseLine(line.toString(StandardCharsets.UTF_8));
                }
                line.reset();
                overflow = false;
            } else if (line.size() < MAX_LINE) {
                line.write(b);
            } else {
                overflow = true;
            }
        }
    }

    /** Called at the end: a JSON (non-streamed) answer is read whole. */
    void finish() {
        String text = whole.toString(StandardCharsets.UTF_8).trim();
        if (inputTokens == 0 && outputTokens == 0 && text.startsWith("{")) {
            JsonNode answer = parse(text);
            input(answer.path("usage"));
            outputTokens += answer.path("usage").path("output_tokens").asLong(0);
            model(answer);
        }
    }

    /** Input tokens, cache reads and writes included. */
    long inputTokens() {
        return inputTokens + cacheWriteTokens + cacheReadTokens;
    }

    long outputTokens() {
        return outputTokens;
    }

    /** What the answer used ({@code unknown} as the model when the answer named none). */
    ModelCall call() {
        return new ModelCall(model != null ? model : "unknown", inputTokens, outputTokens, cacheWriteTokens, cacheReadTokens);
    }

    private void sseLine(String text) {
        if (!text.startsWith("data:") || !text.contains("usage")) {
            return;
        }
        JsonNode event = parse(text.substring(5).trim());
        switch (event.path("type").asText()) {
            case "message_start" -> {
                input(event.path("message").path("usage"));
                model(event.path("message"));
            }
            case "message_delta" -> outputTokens = Math.max(outputTokens, event.path("usage").path("output_tokens").asLong(0));
            default -> { }
        }
    }

    private void input(JsonNode usage) {
        inputTokens += usage.path("input_tokens").asLong(0);
        cacheWriteTokens += usage.path("cache_creation_input_tokens").asLong(0);
        cacheReadTokens += usage.path("cache_read_input_tokens").asLong(0);
    }

    private void model(JsonNode message) {
        String named = message.path("model").asText("");
        if (!named.isBlank() && named.length() <= 200) {
            model = named;
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            return Json.MAPPER.missingNode();
        }
    }
}
