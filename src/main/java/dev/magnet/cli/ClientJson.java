package dev.magnet.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The client's one JSON mapper and its conversions. Unknown fields are ignored so that a newer
 * server does not break an older client; malformed answers become {@link CliException.Unexpected}.
 */
final class ClientJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private ClientJson() {
    }

    static JsonNode parse(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CliException.Unexpected("the server sent JSON the client cannot read: "
                    + e.getOriginalMessage());
        }
    }

    /** The session of an answer shaped as Magnet documents, {@code {"session": …}} (an older server's bare session as it is). */
    static JsonNode session(JsonNode answer) {
        return answer != null && answer.path("session").isObject() ? answer.get("session") : answer;
    }

    static <T> T convert(JsonNode node, Class<T> type) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new CliException.Unexpected("the server's answer does not look like a "
                    + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    static <T> T read(String text, Class<T> type) {
        return convert(parse(text), type);
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value + " as JSON", e);
        }
    }

    static String pretty(JsonNode node) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print JSON", e);
        }
    }
}
