package dev.magnet.web;

import dev.magnet.json.Json;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** RFC 9457 problem details: how every error leaves the API. */
public final class Problem {
    private Problem() {
    }

    /** The content type of every problem: UTF-8, as JSON must be. */
    public static final String CONTENT_TYPE = "application/problem+json; charset=utf-8";

    public static void send(Context ctx, int status, String title, String detail, String field) {
        // why: without a charset Jetty encodes a type it does not know as ISO-8859-1, so a detail that quoted the
        // request ("unknown field 日本語") went out as "???" or as bytes that are not UTF-8 (found by OpenApiFuzzIT)
        ctx.status(status).contentType(CONTENT_TYPE).result(json(status, title, detail, field));
    }

    /** The problem+json text; {@code field} names the offending input, or is null. */
    public static String json(int status, String title, String detail, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (field != null) {
            body.put("field", field);
        }
        return Json.write(body);
    }
}
