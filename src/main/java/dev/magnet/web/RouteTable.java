package dev.magnet.web;

import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.router.JavalinDefaultRoutingApi;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every HTTP route of Magnet as the features register it: method, path, handler and who may call it. It is the one
 * list of routes: {@link WebServer} installs it, the authentication filter asks it which requests need no
 * credentials, and the tests compare it with {@code openapi.json} and fuzz every route in it.
 *
 * <p>A route needs the caller's credentials (an API key or a browser sign-in) unless it is registered as
 * {@link Access#PUBLIC} right where it is registered:
 * <pre>{@code
 * routes.get("/api/me", this::me);
 * routes.post("/api/auth/signin", PUBLIC, this::signIn);
 * }</pre>
 * Paths use Javalin's syntax with {@code {name}} parameters, one path segment each.
 */
public final class RouteTable {
    private static final Pattern PARAMETER = Pattern.compile("\\{[A-Za-z][A-Za-z0-9]*}");

    /** Who may call a route. */
    public enum Access {
        /** Only a caller with a valid API key or browser sign-in: the authentication filter answers others 401. */
        AUTHENTICATED,
        /**
         * Anyone: the authentication filter lets the request through, and a caller who presents valid credentials is
         * still known to the handler. The handler may check a credential of its own (an invite token, a webhook
         * signature, the metrics token).
         */
        PUBLIC
    }

    /**
     * One registered route.
     *
     * @param method the HTTP method, upper case
     * @param path   Javalin's path, with {@code {name}} parameters
     * @param access who may call it
     * @param webUi  a page or file of the web UI, which the API description does not cover
     */
    public record Route(String method, String path, Access access, boolean webUi) {
        public boolean isPublic() {
            return access == Access.PUBLIC;
        }

        /** The path with every parameter written {@code {}}, so two spellings of one route compare equal. */
        public String normalizedPath() {
            return normalize(path);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private record Entry(Route route, Pattern pattern, Handler handler) {
    }

    private volatile List<Entry> entries = new ArrayList<>();
    private volatile boolean installed;

    public RouteTable get(String path, Handler handler) {
        return add("GET", path, Access.AUTHENTICATED, false, handler);
    }

    public RouteTable get(String path, Access access, Handler handler) {
        return add("GET", path, access, false, handler);
    }

    public RouteTable post(String path, Handler handler) {
        return add("POST", path, Access.AUTHENTICATED, false, handler);
    }

    public RouteTable post(String path, Access access, Handler handler) {
        return add("POST", path, access, false, handler);
    }

    public RouteTable put(String path, Handler handler) {
        return add("PUT", path, Access.AUTHENTICATED, false, handler);
    }

    public RouteTable put(String path, Access access, Handler handler) {
        return add("PUT", path, access, false, handler);
    }

    public RouteTable patch(String path, Handler handler) {
        return add("PATCH", path, Access.AUTHENTICATED, false, handler);
    }

    public RouteTable patch(String path, Access access, Handler handler) {
        return add("PATCH", path, access, false, handler);
    }

    public RouteTable delete(String path, Handler handler) {
        return add("DELETE", path, Access.AUTHENTICATED, false, handler);
    }

    public RouteTable delete(String path, Access access, Handler handler) {
        return add("DELETE", path, access, false, handler);
    }

    /** A page or file of the web UI: a public {@code GET} that the API description does not cover. */
    public RouteTable webUi(String path, Handler handler) {
        return add("GET", path, Access.PUBLIC, true, handler);
    }

    /** Every route, in the order registered. */
    public List<Route> routes() {
        return entries.stream().map(Entry::route).toList();
    }

    /**
     * Whether {@code method path} may be called without credentials: when the route that answers it is public (a
     * {@code HEAD} is answered by the {@code GET} route, and a trailing slash is ignored, as Javalin does). A method
     * that no route of a public path answers is let through too, so the caller gets that path's 404 rather than a 401.
     */
    public boolean isPublic(String method, String path) {
        String answering = method.equals("HEAD") ? "GET" : method;
        boolean publicPath = false;
        for (Entry entry : entries) {
            if (entry.pattern.matcher(path).matches()) {
                if (entry.route.method.equals(answering)) {
                    return entry.route.isPublic();
                }
                publicPath |= entry.route.isPublic();
            }
        }
        return publicPath;
    }

    /** Adds every route to Javalin; the table takes no more routes afterwards. */
    void installInto(JavalinDefaultRoutingApi javalin) {
        installed = true;
        entries = List.copyOf(entries);
        entries.forEach(e -> javalin.addHttpHandler(HandlerType.findOrCreate(e.route.method), e.route.path, e.handler));
    }

    private RouteTable add(String method, String path, Access access, boolean webUi, Handler handler) {
        if (installed) {
            throw new IllegalStateException(method + " " + path + ": routes are registered before the server starts");
        }
        if (handler == null || access == null) {
            throw new IllegalArgumentException(method + " " + path + ": a route needs a handler and an access");
        }
        if (!path.startsWith("/") || path.contains("*") || path.contains("<")
                || !PARAMETER.matcher(path).replaceAll("x").matches("[A-Za-z0-9/._~-]*")) {
            throw new IllegalArgumentException(method + " " + path + ": a path is literal segments and {name} "
                    + "parameters only, so the authentication filter can match it as Javalin does");
        }
        if (access == Access.AUTHENTICATED && !path.startsWith("/api/")) {
            throw new IllegalArgumentException(method + " " + path + ": credentials are only checked under /api/; "
                    + "register a route elsewhere as PUBLIC and check any credential in its handler");
        }
        Route route = new Route(method, path, access, webUi);
        for (Entry e : entries) {
            if (e.route.method.equals(method) && e.route.normalizedPath().equals(route.normalizedPath())) {
                throw new IllegalArgumentException(route + " is registered twice (also as " + e.route + ")");
            }
        }
        entries.add(new Entry(route, matcherOf(path), handler));
        return this;
    }

    private static Pattern matcherOf(String path) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PARAMETER.matcher(path);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(path.substring(at, m.start()))).append("[^/]+");
            at = m.end();
        }
        String rest = path.substring(at);
        if (rest.endsWith("/") && rest.length() > 1) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (!rest.isEmpty()) {
            regex.append(Pattern.quote(rest));
        }
        // why: Javalin ignores a trailing slash (ignoreTrailingSlashes is on by default), so "/x/" is answered by "/x"
        return Pattern.compile(regex + "/?");
    }

    static String normalize(String path) {
        return PARAMETER.matcher(path).replaceAll("{}");
    }
}
