package dev.magnet.web;

import dev.magnet.json.Json;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** RFC 9457 problem details: how every error leaves the API. */
public final class Problem {
    private Problem() {
    }

    public static void send(Context ctx, int status, String title, String detail, String field) {
        ctx.status(status).contentType("application/problem+json").result(json(status, title, detail, field));
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
