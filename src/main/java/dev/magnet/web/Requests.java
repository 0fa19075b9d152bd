package dev.magnet.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.auth.Actor;
import dev.magnet.support.InvalidRequestException;
import dev.magnet.support.Json;
import io.javalin.http.Context;
import io.javalin.http.UnauthorizedResponse;

/** Small helpers for handlers: the caller, a JSON object body, typed fields with clear errors, JSON answers. */
public final class Requests {
    public static final String ACTOR = "magnet.actor";

    private Requests() {
    }

    public static Actor actor(Context ctx) {
        Actor actor = ctx.attribute(ACTOR);
        if (actor == null) {
            throw new UnauthorizedResponse("an API key is required (header x-api-key)");
        }
        return actor;
    }

    /** The body as a JSON object; an empty body is an empty object. */
    public static JsonNode object(Context ctx) {
        String body = ctx.body();
        if (body.isBlank()) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new InvalidRequestException(null, "the body is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException(null, "the body must be a JSON object");
        }
        return node;
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

    /** The first present of several alias fields (e.g. prompt / initialMessage). */
    public static String string(JsonNode body, String field, String alias) {
        String value = string(body, field);
        return value != null ? value : string(body, alias);
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
