package dev.magnet.web;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.magnet.json.Json;
import io.javalin.http.Context;

/** Small helpers for handlers: a JSON object body, typed fields with clear errors, JSON answers. */
public final class Requests {
    // why: Jackson stops at the end of the first value and ignores what follows unless told; "{} {}" or
    // "{\"title\": \"x\"} garbage" is not a JSON object (found by OpenApiFuzzIT)
    private static final ObjectReader BODY = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Requests() {
    }

    /**
     * The body as a JSON object; an empty body is an empty object. Anything after the object, and a NUL character in
     * any string or name, are refused with 400.
     */
    public static JsonNode object(Context ctx) {
        String body = ctx.body();
        if (body.isBlank()) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode node;
        try {
            node = BODY.readTree(body);
        } catch (java.io.IOException e) {
            throw new InvalidRequestException(null, "the body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException(null, "the body must be a JSON object");
        }
        refuseNul(node, null);
        return node;
    }

    /**
     * Refuses a NUL character anywhere in the body, naming where.
     * why: PostgreSQL cannot store NUL in text ("invalid byte sequence for encoding UTF8: 0x00"), so a prompt or
     * message with one was a 500 there and stored as given on H2; no field of the API has a use for it (found by
     * OpenApiFuzzIT)
     */
    private static void refuseNul(JsonNode node, String at) {
        if (node.isTextual() && node.textValue().indexOf('\0') >= 0) {
            throw new InvalidRequestException(at, at + " must not contain NUL characters");
        }
        if (node.isObject()) {
            for (var field : node.properties()) {
                String name = at == null ? field.getKey() : at + "." + field.getKey();
                if (field.getKey().indexOf('\0') >= 0) {
                    throw new InvalidRequestException(null, "a field name must not contain NUL characters");
                }
                refuseNul(field.getValue(), name);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                refuseNul(node.get(i), (at == null ? "" : at) + "[" + i + "]");
            }
        }
    }

    /** Refuses a body with fields other than {@code known} (400 naming the first unknown one). */
    public static void onlyFields(JsonNode body, java.util.Set<String> known) {
        body.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw new InvalidRequestException(name, "unknown field " + name);
            }
        });
    }

    /** An optional whole-number field: null when absent or JSON null; a 400 naming the field otherwise. */
    public static Integer integer(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isInt()) {
            throw new InvalidRequestException(field, field + " must be a whole number");
        }
        return v.intValue();
    }

    /** Refuses a body that is not declared as JSON: a page of another site cannot send one without a preflight. */
    public static void requireJson(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new io.javalin.http.HttpResponseException(415, "the body must be sent as application/json");
        }
    }

    /** An optional string field: null when absent or JSON null; a 400 naming the field when it is not a string. */
    public static String string(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidRequestException(field, field + " must be a string");
        }
        return v.asText();
    }

    /**
     * The field, else its alias (e.g. prompt / initialMessage); a 400 naming either one when it is present and not a
     * string, even when the other is used.
     */
    public static String string(JsonNode body, String field, String alias) {
        String value = string(body, field);
        String aliased = string(body, alias);
        return value != null ? value : aliased;
    }

    public static void json(Context ctx, int status, Object value) {
        ctx.status(status).contentType("application/json").result(Json.write(value));
    }

    public static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw.trim());
            if (v < min || v > max) {
                throw new InvalidRequestException(name, name + " must be between " + min + " and " + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name, name + " must be a whole number");
        }
    }

    public static long longParam(String raw, String name) {
        try {
            long v = Long.parseLong(raw.trim());
            if (v < 0) {
                throw new InvalidRequestException(name, name + " must not be negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name, name + " must be a whole number");
        }
    }
}
