package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * A tool's output as users see it: the text of a {@code tool_result} content (a string, or an array
 * of blocks), cut at a maximum length.
 *
 * @param text      the output, at most the maximum length
 * @param size      the full length in chars before cutting
 * @param truncated whether {@code text} was cut
 */
record ToolOutput(String text, int size, boolean truncated) {

    static ToolOutput of(JsonNode content, int maxChars) {
        String full = textOf(content);
        if (full.length() <= maxChars) {
            return new ToolOutput(full, full.length(), false);
        }
        int end = Character.isHighSurrogate(full.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return new ToolOutput(full.substring(0, end), full.length(), true);
    }

    /** The text of a content value: a string as is; text blocks joined by newlines, other blocks as {@code [type]}. */
    static String textOf(JsonNode content) {
        if (content == null || content.isMissingNode() || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            return content.toString();
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode block : content) {
            String text = Json.text(block, "text");
            if (text != null) {
                parts.add(text);
            } else if (block.isTextual()) {
                parts.add(block.asText());
            } else {
                parts.add("[" + String.valueOf(Json.text(block, "type")) + "]");
            }
        }
        return String.join("\n", parts);
    }
}
