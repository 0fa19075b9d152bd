package dev.magnet.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.auth.Actor;
import dev.magnet.support.ForbiddenException;
import dev.magnet.support.InvalidRequestException;
import dev.magnet.support.Json;
import io.javalin.http.Context;
import io.javalin.http.UnauthorizedResponse;

/** Small helpers for handlers: the caller, a JSON object body, typed fields with clear errors, JSON answers. */
public final class Requests {
    public static final String ACTOR = "magnet.actor";
    /** The session cookie of a request that a signed-in browser made (absent for API keys). */
    public static final String BROWSER_TOKEN = "magnet.browser";

    private Requests() {
    }

    public static Actor actor(Context ctx) {
        Actor actor = ctx.attribute(ACTOR);
        if (actor == null) {
            throw new UnauthorizedResponse("sign in, or send an API key in the x-api-key header");
        }
        return actor;
    }

    /** The caller when it is an admin of its workspace; 403 for other members (integration settings, membership). */
    public static Actor admin(Context ctx) {
        Actor actor = actor(ctx);
        if (!actor.isAdmin()) {
            throw new ForbiddenException("only admins of the workspace may do this");
        }
        return actor;
    }

    /** The caller on a route open to everyone (sign-in, invites, webhooks), or null when anonymous. */
    public static Actor optionalActor(Context ctx) {
        return ctx.attribute(ACTOR);
    }

    /** The session cookie when a signed-in browser made the request, else null. */
    public static String browserToken(Context ctx) {
        return ctx.attribute(BROWSER_TOKEN);
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
