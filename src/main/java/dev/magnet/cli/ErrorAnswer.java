package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * An error answer of the server: the fields of {@code application/problem+json} (RFC 9457) that
 * Magnet sends. An answer that is not problem+json (say, a proxy's HTML page) is described by its
 * HTTP status and the first line of its body.
 */
record ErrorAnswer(String type, String title, int status, String detail, String field) {

    private static final Map<Integer, String> REASONS = Map.ofEntries(
            Map.entry(400, "Bad Request"),
            Map.entry(401, "Unauthorized"),
            Map.entry(403, "Forbidden"),
            Map.entry(404, "Not Found"),
            Map.entry(405, "Method Not Allowed"),
            Map.entry(409, "Conflict"),
            Map.entry(415, "Unsupported Media Type"),
            Map.entry(422, "Unprocessable Content"),
            Map.entry(429, "Too Many Requests"),
            Map.entry(500, "Internal Server Error"),
            Map.entry(502, "Bad Gateway"),
            Map.entry(503, "Service Unavailable"),
            Map.entry(504, "Gateway Timeout"));

    /** Reads the problem from an error answer's status and body (which may be empty or not JSON). */
    static ErrorAnswer fromAnswer(int status, String body) {
        String text = body == null ? "" : body.strip();
        if (text.startsWith("{")) {
            try {
                JsonNode json = ClientJson.parse(text);
                if (json.hasNonNull("title") || json.hasNonNull("detail")) {
                    return new ErrorAnswer(
                            textOrNull(json, "type"),
                            json.hasNonNull("title") ? json.get("title").asText() : reason(status),
                            json.path("status").asInt(status),
                            textOrNull(json, "detail"),
                            textOrNull(json, "field"));
                }
            } catch (CliException.Unexpected notJson) {
                // why: fall through and show the raw body; an error page that is not JSON is still worth showing
            }
        }
        String detail = text.isEmpty() ? null : Formats.cut(Formats.firstLine(text), 200);
        return new ErrorAnswer(null, reason(status), status, detail, null);
    }

    /** {@code <title>: <detail> (field: <field>)}, leaving out what is missing. */
    String describe() {
        StringBuilder text = new StringBuilder(title);
        if (!Formats.isBlank(detail) && !detail.equals(title)) {
            text.append(": ").append(detail);
        }
        if (!Formats.isBlank(field)) {
            text.append(" (field: ").append(field).append(')');
        }
        return text.toString();
    }

    private static String reason(int status) {
        return REASONS.getOrDefault(status, "HTTP " + status);
    }

    private static String textOrNull(JsonNode json, String name) {
        JsonNode value = json.get(name);
        return value == null || value.isNull() ? null : value.asText();
    }
}
