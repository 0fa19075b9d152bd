package dev.magnet.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The server's one Jackson configuration (ISO-8601 instants, unknown properties ignored) and its JSON helpers.
 *
 * <p>The readers ({@link #text}, {@link #integer}, ...) are null-safe for input Magnet does not control, such as the
 * agent's output: each answers {@code null} (or an empty value) when the field is missing or has another JSON type,
 * so a surprising line never throws.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Map<String, Object> readMap(String json) {
        try {
            return MAPPER.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The field of {@code node}, or a missing node when {@code node} is null. */
    public static JsonNode at(JsonNode node, String field) {
        return node == null ? MissingNode.getInstance() : node.path(field);
    }

    public static String text(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isTextual() ? value.asText() : null;
    }

    public static Integer integer(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isIntegralNumber() && value.canConvertToInt() ? value.intValue() : null;
    }

    public static Long longValue(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isIntegralNumber() && value.canConvertToLong() ? value.longValue() : null;
    }

    public static Double decimal(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isNumber() ? value.doubleValue() : null;
    }

    public static boolean isTrue(JsonNode node, String field) {
        JsonNode value = at(node, field);
        return value.isBoolean() && value.booleanValue();
    }

    /** The strings of a JSON array, skipping items of other types; empty when {@code array} is not an array. */
    public static List<String> strings(JsonNode array) {
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
    public static Object plain(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        return MAPPER.convertValue(node, Object.class);
    }
}
