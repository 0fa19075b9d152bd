package dev.magnet.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import static dev.magnet.web.RouteTable.Access.PUBLIC;

/** Serves the OpenAPI description (a resource kept beside the code it describes). */
public final class StaticRoutes {
    private final byte[] openApi;

    public StaticRoutes() {
        try (InputStream in = StaticRoutes.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the build");
            }
            this.openApi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void register(RouteTable routes) {
        routes.get("/api/openapi.json", PUBLIC, ctx -> ctx.contentType("application/json").result(openApi));
    }
}
