package dev.magnet.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.TestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API description the server serves ({@code openapi.json}) and the routes it registers are one contract: the same
 * methods and paths (path parameters compared by position, not name), and the same routes open to everyone.
 */
class ApiDescriptionIT {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    /** The security schemes that stand for the caller's own credentials, which the authentication filter checks. */
    private static final Set<String> CALLER_CREDENTIALS = Set.of("apiKey", "cookie");

    @TempDir
    static Path dir;
    static FakeAnthropic model;
    static TestServer server;

    @BeforeAll
    static void start() {
        model = FakeAnthropic.start();
        server = TestServer.start(dir.resolve("data"), model);
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    @Test
    void every_registered_route_is_documented_and_every_documented_route_is_registered() {
        Set<String> registered = new TreeSet<>(registered().keySet());
        Set<String> documented = new TreeSet<>(documented().keySet());

        Set<String> undocumented = new TreeSet<>(registered);
        undocumented.removeAll(documented);
        Set<String> unregistered = new TreeSet<>(documented);
        unregistered.removeAll(registered);
        assertSoftly(softly -> {
            softly.assertThat(undocumented).as("routes the server registers that openapi.json does not describe").isEmpty();
            softly.assertThat(unregistered).as("operations openapi.json describes that the server does not register").isEmpty();
        });
    }

    @Test
    void a_route_is_documented_as_needing_credentials_exactly_when_it_is_registered_so() {
        Map<String, JsonNode> documented = documented();
        JsonNode defaultSecurity = description().path("security");
        List<String> disagreements = new ArrayList<>();
        registered().forEach((key, route) -> {
            JsonNode operation = documented.get(key);
            if (operation == null) {
                return;
            }
            JsonNode security = operation.has("security") ? operation.get("security") : defaultSecurity;
            boolean needsCredentials = needsCallerCredentials(security);
            if (needsCredentials == route.isPublic()) {
                disagreements.add(route + " is registered " + route.access() + " but documented with security " + security);
            }
        });
        assertThat(disagreements).isEmpty();
    }

    /** True when every way the operation accepts names one of the caller's own credentials; {@code []} needs none. */
    private static boolean needsCallerCredentials(JsonNode security) {
        if (!security.isArray() || security.isEmpty()) {
            return false;
        }
        for (JsonNode requirement : security) {
            boolean caller = false;
            for (var names = requirement.fieldNames(); names.hasNext(); ) {
                caller |= CALLER_CREDENTIALS.contains(names.next());
            }
            if (!caller) {
                return false;
            }
        }
        return true;
    }

    /** The server's API routes by {@code METHOD /normalised/path}; the web UI's pages and files are not part of it. */
    private static Map<String, RouteTable.Route> registered() {
        Map<String, RouteTable.Route> routes = new TreeMap<>();
        server.magnet().routes().stream().filter(r -> !r.webUi())
                .forEach(r -> routes.put(r.method() + " " + r.normalizedPath(), r));
        return routes;
    }

    /** The operations of the served description by {@code METHOD /normalised/path}. */
    private static Map<String, JsonNode> documented() {
        Map<String, JsonNode> operations = new TreeMap<>();
        description().path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            if (METHODS.contains(op.getKey())) {
                operations.put(op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + RouteTable.normalize(path.getKey()),
                        op.getValue());
            }
        }));
        return operations;
    }

    private static JsonNode description() {
        TestServer.Response served = server.send("GET", "/api/openapi.json", null, null, Map.of());
        assertThat(served.status()).isEqualTo(200);
        return served.json();
    }
}
