package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.auth.Bootstrap;
import dev.magnet.testing.Browser;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Gate;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.SseClient;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An open event stream checks again that its caller may still read it: it closes soon after its API key is revoked,
 * its browser signs out or its user is removed from the workspace, while the session goes on. The server re-checks
 * every second here ({@code MAGNET_STREAM_RECHECK_SECONDS=1}); the heartbeat is 15 s.
 */
class StreamRecheckIT {
    private static final String ADMIN_PASSWORD = "admin-password-for-tests";
    /** Several re-check intervals, still well below the 15 s heartbeat of an unchecked stream. */
    private static final Duration CLOSES_WITHIN = Duration.ofSeconds(8);
    @RegisterExtension
    static final MagnetServerExtension magnet = new MagnetServerExtension(Map.of(
            "MAGNET_ADMIN_PASSWORD", ADMIN_PASSWORD,
            "MAGNET_STREAM_RECHECK_SECONDS", "1"));
    static FakeAnthropic model;
    static TestServer server;
    static Gate hold;
    static String sessionId;

    @BeforeAll
    static void start() throws InterruptedException {
        model = magnet.model();
        server = magnet.server();
        hold = Gate.closed();
        model.script(Script.of(Turn.reply().text("Still working.").heldBy(hold)));
        sessionId = server.createSession(Map.of("prompt", "a long task")).path("id").asText();
        hold.awaitReached(Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() {
        hold.open();
    }

    static Browser admin() {
        Browser b = new Browser(server.baseUrl());
        assertThat(b.signIn(Bootstrap.ADMIN_EMAIL, ADMIN_PASSWORD).status()).isEqualTo(200);
        return b;
    }

    static SseClient openWithCookie(Browser browser) {
        return SseClient.open(server.baseUrl(), sessionId, Map.of("Cookie", "magnet_session=" + browser.cookie("magnet_session")));
    }

    @Test
    void a_stream_closes_soon_after_the_key_it_was_opened_with_is_revoked() throws Exception {
        JsonNode key = server.post("/api/keys", Map.of("name", "streaming")).json();
        try (SseClient revokedKey = SseClient.open(server.baseUrl(), sessionId, key.path("key").asText(), null);
             SseClient goodKey = SseClient.open(server.baseUrl(), sessionId, TestServer.API_KEY, null)) {
            assertThat(revokedKey.status()).isEqualTo(200);
            revokedKey.awaitFrame(f -> "user_message".equals(f.event()), Duration.ofSeconds(30));

            assertThat(server.send("DELETE", "/api/keys/" + key.path("id").asText(), null, TestServer.API_KEY, Map.of()).status())
                    .isEqualTo(200);
            revokedKey.awaitClosed(CLOSES_WITHIN);
            assertThat(revokedKey.ended()).as("the session did not end, so there is no end frame").isFalse();
            assertThat(revokedKey.comments()).anySatisfy(c -> assertThat(c).startsWith("closed:").contains("revoked"));

            assertThat(goodKey.closed()).as("a stream whose key is still good stays open").isFalse();
            assertThat(server.session(sessionId).path("status").asText()).isEqualTo("active");
        }
    }

    @Test
    void a_members_streams_close_soon_after_the_member_is_removed_from_the_workspace() throws Exception {
        Browser admin = admin();
        String email = "m" + UUID.randomUUID().toString().substring(0, 8) + "@example.test";
        String token = admin.post("/api/workspace/invites", Map.of("role", "member", "email", email)).json().path("token").asText();
        Browser member = new Browser(server.baseUrl());
        assertThat(member.post("/api/invites/" + token + "/accept",
                Map.of("name", "Member", "email", email, "password", "member-password-1")).status()).isEqualTo(200);
        String memberId = member.get("/api/me").json().path("user").path("id").asText();
        String memberKey = member.post("/api/keys", Map.of("name", "member's")).json().path("key").asText();

        try (SseClient byCookie = openWithCookie(member);
             SseClient byKey = SseClient.open(server.baseUrl(), sessionId, memberKey, null)) {
            assertThat(byCookie.status()).isEqualTo(200);
            assertThat(byKey.status()).isEqualTo(200);
            byCookie.awaitFrame(f -> "user_message".equals(f.event()), Duration.ofSeconds(30));

            assertThat(admin.delete("/api/workspace/members/" + memberId).status()).isEqualTo(204);
            byCookie.awaitClosed(CLOSES_WITHIN);
            byKey.awaitClosed(CLOSES_WITHIN);
            assertThat(byCookie.ended()).isFalse();
            assertThat(byCookie.comments()).anySatisfy(c -> assertThat(c).startsWith("closed:"));
        }
    }

    @Test
    void a_browsers_stream_closes_soon_after_it_signs_out() throws Exception {
        Browser admin = admin();
        try (SseClient stream = openWithCookie(admin)) {
            assertThat(stream.status()).isEqualTo(200);
            stream.awaitFrame(f -> "user_message".equals(f.event()), Duration.ofSeconds(30));
            assertThat(admin.post("/api/auth/signout", null).status()).isEqualTo(204);
            stream.awaitClosed(CLOSES_WITHIN);
            assertThat(stream.ended()).isFalse();
            assertThat(stream.comments()).anySatisfy(c -> assertThat(c).startsWith("closed:").contains("signed out"));
        }
    }
}
