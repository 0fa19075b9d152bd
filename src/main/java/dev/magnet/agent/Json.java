package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Null-safe reads from CLI output. Every accessor answers {@code null} (or an empty value) when the
 * field is missing or has another JSON type, so a surprising line never throws.
 */
final class Json {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private Json() {
    }

    static JsonNode at(JsonNode node, String field) {
        return node == null ? MissingNode.getInstance() : node.path(field);
    }

    static String text(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isTextual() ? value.asText() : null;
    }

    static Integer integer(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isIntegralNumber() && value.canConvertToInt() ? value.intValue() : null;
    }

    static Long longValue(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isIntegralNumber() && value.canConvertToLong() ? value.longValue() : null;
    }

    static Double decimal(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isNumber() ? value.doubleValue() : null;
    }

    static boolean isTrue(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isBoolean() && value.booleanValue();
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(item -> {
                if (item.isTextual()) {
                    values.add(item.asText());
                }
            });
        }
        return List.copyOf(values);
    }

    /** Converts a JSON tree into maps, lists, strings, numbers and booleans (JSON null stays null). */
    static Object plain(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        return PLAIN.convertValue(node, Object.class);
    }
}
