package dev.magnet.web;

import static dev.magnet.web.RouteTable.Access.PUBLIC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.javalin.http.Handler;
import org.junit.jupiter.api.Test;

/** Which requests the route table lets through without credentials, and which registrations it refuses. */
class RouteTableTest {
    private static final Handler NOTHING = ctx -> { };

    private static RouteTable table() {
        return new RouteTable()
                .get("/api/me", NOTHING)
                .post("/api/auth/signin", PUBLIC, NOTHING)
                .get("/api/invites/{token}", PUBLIC, NOTHING)
                .post("/api/invites/{token}/accept", PUBLIC, NOTHING)
                .get("/api/keys/{id}", NOTHING)
                .delete("/api/keys/{id}", NOTHING)
                .get("/health/live", PUBLIC, NOTHING);
    }

    @Test
    void a_request_is_public_when_the_route_that_answers_it_is() {
        RouteTable routes = table();
        assertThat(routes.isPublic("POST", "/api/auth/signin")).isTrue();
        assertThat(routes.isPublic("GET", "/api/invites/abc")).isTrue();
        assertThat(routes.isPublic("POST", "/api/invites/abc/accept")).isTrue();
        assertThat(routes.isPublic("GET", "/api/me")).isFalse();
        assertThat(routes.isPublic("DELETE", "/api/keys/k1")).isFalse();
    }

    @Test
    void a_path_no_route_answers_needs_credentials() {
        RouteTable routes = table();
        assertThat(routes.isPublic("GET", "/api/nothing-here")).isFalse();
        assertThat(routes.isPublic("GET", "/api/invites/a/b")).isFalse();
        assertThat(routes.isPublic("GET", "/api/invites/")).isFalse();
        assertThat(routes.isPublic("POST", "/api/auth/signin/more")).isFalse();
        assertThat(routes.isPublic("GET", "/api/Invites/abc")).isFalse();
    }

    @Test
    void the_request_is_matched_as_javalin_matches_it() {
        RouteTable routes = table();
        assertThat(routes.isPublic("POST", "/api/auth/signin/")).as("trailing slash").isTrue();
        assertThat(routes.isPublic("HEAD", "/api/invites/abc")).as("HEAD answered by GET").isTrue();
        assertThat(routes.isPublic("GET", "/api/invites/a%2Fb")).as("an encoded slash stays in its segment").isTrue();
        assertThat(routes.isPublic("PUT", "/api/invites/abc")).as("another method gets the public path's 404").isTrue();
        assertThat(routes.isPublic("PUT", "/api/keys/k1")).isFalse();
    }

    @Test
    void every_route_is_listed_with_its_access_and_path_parameters_normalised() {
        assertThat(table().routes()).extracting(RouteTable.Route::toString).containsExactly("GET /api/me",
                "POST /api/auth/signin", "GET /api/invites/{token}", "POST /api/invites/{token}/accept",
                "GET /api/keys/{id}", "DELETE /api/keys/{id}", "GET /health/live");
        RouteTable.Route accept = table().routes().get(3);
        assertThat(accept.isPublic()).isTrue();
        assertThat(accept.normalizedPath()).isEqualTo("/api/invites/{}/accept");
    }

    @Test
    void a_route_outside_the_api_must_be_public_since_no_credentials_are_checked_there() {
        assertThatThrownBy(() -> new RouteTable().get("/metrics", NOTHING))
                .hasMessageContaining("GET /metrics").hasMessageContaining("PUBLIC");
    }

    @Test
    void a_route_registered_twice_or_with_a_path_the_filter_cannot_match_is_refused() {
        assertThatThrownBy(() -> new RouteTable().get("/api/keys/{id}", NOTHING).get("/api/keys/{keyId}", NOTHING))
                .hasMessageContaining("registered twice");
        assertThatThrownBy(() -> new RouteTable().get("/api/files/*", NOTHING)).hasMessageContaining("{name}");
        assertThatThrownBy(() -> new RouteTable().get("/api/files/<path>", NOTHING)).hasMessageContaining("{name}");
    }
}
