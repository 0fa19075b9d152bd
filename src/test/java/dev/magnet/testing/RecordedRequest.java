package dev.magnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request as {@link FakeAnthropic} received it.
 *
 * @param seq     1 for the first request since start or {@link FakeAnthropic#reset()}, then 2, 3, ...
 * @param at      when it arrived
 * @param method  the HTTP method
 * @param path    the path with its query, e.g. {@code /v1/messages?beta=true}
 * @param headers every header with its full values, names in lower case
 * @param body    the parsed JSON body; a text node when the body is not JSON; a missing node when empty.
 *                Do not modify it.
 * @param summary the gist of a Messages request body (empty for other bodies)
 * @param served  which scripted turn answered it: {@code turn0}, {@code turn1}, ..., {@code default}
 *                or {@code aux}; null for requests that are not Messages requests
 */
public record RecordedRequest(
        int seq,
        Instant at,
        String method,
        String path,
        Map<String, List<String>> headers,
        JsonNode body,
        Summary summary,
        String served) {

    public RecordedRequest {
        TreeMap<String, List<String>> lowerCase = new TreeMap<>();
        headers.forEach((name, values) -> lowerCase
                .computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>())
                .addAll(values));
        lowerCase.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(lowerCase);
    }

    /** The first value of a header (any case), or null when absent. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** Whether it consumed a scripted turn (or the fallback), i.e. it was a main-loop request. */
    public boolean isMain() {
        return served != null && !served.equals("aux");
    }

    /** Whether the text of any of its messages contains {@code text}. */
    public boolean mentions(String text) {
        return summary.messagesText().stream().anyMatch(t -> t.contains(text));
    }

    @Override
    public String toString() {
        return "#" + seq + " " + method + " " + path + " served=" + served + " roles=" + summary.roles()
                + " last=" + (summary.messagesText().isEmpty() ? "-" : abbreviate(summary.messagesText().getLast()));
    }

    private static String abbreviate(String text) {
        return text.length() <= 120 ? text : text.substring(0, 120) + "...";
    }

    /**
     * The gist of a Messages request, as {@code summarize} in fake_anthropic.py (texts are not cut).
     *
     * @param model        the requested model, or null
     * @param stream       whether it asked for a stream
     * @param maxTokens    {@code max_tokens}, 0 when absent
     * @param roles        the first letter of each message's role, e.g. {@code usuau} (s = system role)
     * @param toolNames    the names of the tools offered
     * @param systemChars  the length of the top-level {@code system} field as JSON
     * @param messagesText per message {@code role: text}, blocks joined by {@code " | "}; other blocks
     *                     appear as {@code [tool_use NAME ID]}, {@code [tool_result ID] CONTENT} or
     *                     {@code [TYPE]}. Unlike fake_anthropic.py, a tool result's content is included:
     *                     the CLI folds mid-turn follow-ups into it.
     */
    public record Summary(
            String model,
            boolean stream,
            int maxTokens,
            String roles,
            List<String> toolNames,
            int systemChars,
            List<String> messagesText) {

        public Summary {
            toolNames = List.copyOf(toolNames);
            messagesText = List.copyOf(messagesText);
        }

        /** The summary of a request body; empty fields when it is not a JSON object. */
        static Summary of(JsonNode body) {
            if (!body.isObject()) {
                return new Summary(null, false, 0, "", List.of(), 0, List.of());
            }
            StringBuilder roles = new StringBuilder();
            List<String> texts = new ArrayList<>();
            for (JsonNode message : body.path("messages")) {
                String role = message.path("role").asText("?");
                roles.append(role.isEmpty() ? '?' : role.charAt(0));
                texts.add(role + ": " + textOf(message.path("content")));
            }
            List<String> toolNames = new ArrayList<>();
            body.path("tools").forEach(tool -> toolNames.add(tool.path("name").asText()));
            JsonNode model = body.path("model");
            return new Summary(
                    model.isTextual() ? model.asText() : null,
                    body.path("stream").asBoolean(false),
                    body.path("max_tokens").asInt(0),
                    roles.toString(),
                    toolNames,
                    body.has("system") ? body.get("system").toString().length() : 0,
                    texts);
        }

        private static String textOf(JsonNode content) {
            if (content.isTextual()) {
                return content.asText();
            }
            List<String> parts = new ArrayList<>();
            for (JsonNode block : content) {
                String type = block.path("type").asText();
                parts.add(switch (type) {
                    case "text" -> block.path("text").asText();
                    case "tool_result" -> "[tool_result " + block.path("tool_use_id").asText() + "] "
                            + textOf(block.path("content"));
                    case "tool_use" -> "[tool_use " + block.path("name").asText() + " " + block.path("id").asText() + "]";
                    default -> "[" + type + "]";
                });
            }
            return String.join(" | ", parts);
        }
    }
}
