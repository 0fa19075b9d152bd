package dev.magnet.web;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The start and the frames of a Server-Sent Events answer, shared by the session and workspace streams. */
public final class Sse {
    private Sse() {
    }

    /** Whether the request asks for an event stream. */
    public static boolean wanted(Context ctx) {
        String accept = ctx.header("Accept");
        return accept != null && accept.contains("text/event-stream");
    }

    /** Starts the answer (200, no caching, no proxy buffering) and returns its body. */
    public static OutputStream open(Context ctx) throws IOException {
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream;charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        return res.getOutputStream();
    }

    /** Writes and flushes frames (or comment lines) as they are. */
    public static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
