package dev.magnet.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.cli.CliEnvironment;
import dev.magnet.cli.WebhooksCommand;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import dev.magnet.testing.WebhookReceiver;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** Outgoing webhooks end to end: the real server and session against a receiver on loopback, and the CLI. */
class WebhooksIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_WEBHOOK_RETRY_SECONDS", "1"));
    private final WebhookReceiver receiver = WebhookReceiver.start();

    @AfterEach
    void stop() {
        receiver.close();
    }

    @Test
    void a_receiver_on_loopback_gets_signed_events_a_500_is_tried_again_and_a_delivery_can_be_sent_again() {
        TestServer server = magnet.server();
        receiver.answer(500);
        TestServer.Response made = server.post("/api/webhooks", Map.of("url", receiver.url("/hooks/magnet"),
                "events", List.of("session.created", "session.completed")));
        assertThat(made.status()).isEqualTo(201);
        String webhook = made.json().path("id").asText();
        String secret = made.json().path("secret").asText();
        assertThat(secret).startsWith("whsec_");
        assertThat(server.get("/api/webhooks/" + webhook).body()).doesNotContain(secret);
        assertThat(server.get("/api/webhooks").json().path("webhooks").get(0).has("secret")).isFalse();

        magnet.model().script(Script.of(Turn.reply().text("Nothing needed changing.")));
        Path origin = GitFixtures.bareOrigin(magnet.dir(), 0);
        String session = server.createSession(Map.of("prompt", "Read the README", "repo", origin.toString())).path("id").asText();
        server.awaitStatus(session, "completed", TIMEOUT);

        List<WebhookReceiver.Received> created = receiver.await(event("session.created"), 2, TIMEOUT);
        assertThat(created).extracting(WebhookReceiver.Received::answered).containsExactly(500, 200);
        assertThat(created.get(1).header("Magnet-Delivery")).isEqualTo(created.get(0).header("Magnet-Delivery"));
        assertThat(created.get(1).text()).isEqualTo(created.get(0).text());
        JsonNode body = created.get(0).json();
        assertThat(body.path("event").asText()).isEqualTo("session.created");
        assertThat(body.path("session").path("id").asText()).isEqualTo(session);
        assertThat(body.path("session").path("url").asText()).endsWith("/sessions/" + session);
        WebhookReceiver.Received completed = receiver.await(event("session.completed"), 1, TIMEOUT).get(0);
        assertThat(completed.json().path("session").path("status").asText()).isEqualTo("completed");
        long now = Instant.now().getEpochSecond();
        for (WebhookReceiver.Received r : receiver.received()) {
            assertThat(MagnetSignature.verify(secret, r.header("Magnet-Signature"), r.body(), now, 300)).isTrue();
            assertThat(MagnetSignature.verify(secret + "x", r.header("Magnet-Signature"), r.body(), now, 300)).isFalse();
            assertThat(MagnetSignature.verify(secret, r.header("Magnet-Signature"), r.body(), now + 3600, 300))
                    .as("an old signature is refused: a replay").isFalse();
        }
        assertThat(receiver.received()).extracting(r -> r.header("Magnet-Event"))
                .containsOnly("session.created", "session.completed");

        Awaitility.await().atMost(TIMEOUT).until(() -> deliveries(server, webhook).findValuesAsText("state").stream()
                .allMatch("delivered"::equals));
        JsonNode first = server.get("/api/webhooks/" + webhook + "/deliveries/" + created.get(0).header("Magnet-Delivery")).json();
        assertThat(first.path("attempts").asInt()).isEqualTo(2);
        assertThat(first.path("history").findValuesAsText("responseStatus")).containsExactly("500", "200");
        assertThat(first.path("history").get(0).path("responseBody").asText()).isEqualTo("answered 500");
        assertThat(first.path("payload").path("session").path("id").asText()).isEqualTo(session);

        Run again = run("webhooks", "redeliver", webhook, completed.header("Magnet-Delivery"));
        assertThat(again.exit()).as(again.err()).isZero();
        List<WebhookReceiver.Received> both = receiver.await(event("session.completed"), 2, TIMEOUT);
        assertThat(both.get(1).text()).isEqualTo(completed.text());
        assertThat(both.get(1).header("Magnet-Delivery")).isNotEqualTo(completed.header("Magnet-Delivery"));
        Awaitility.await().atMost(TIMEOUT).until(() -> run("webhooks", "deliveries", webhook).out()
                .contains("redelivery of " + completed.header("Magnet-Delivery")));
        assertThat(run("webhooks", "delivery", webhook, created.get(0).header("Magnet-Delivery")).out())
                .contains("HTTP 500").contains("HTTP 200");
    }

    @Test
    void deliveries_wait_in_the_database_across_a_restart_and_a_slack_endpoint_gets_text() {
        TestServer server = magnet.server();
        receiver.answer(503);
        Run made = run("webhooks", "create", receiver.url("/slack"), "--event", "session.created", "--format", "slack");
        assertThat(made.exit()).as(made.err()).isZero();
        assertThat(made.out()).contains("whsec_");
        String webhook = made.out().lines().findFirst().orElseThrow().split(" ")[0];

        String session = server.createSession(Map.of("prompt", "Say <hi>")).path("id").asText();
        receiver.await(event("session.created"), 1, TIMEOUT);
        magnet.stop();
        sleep(Duration.ofMillis(2500));
        assertThat(receiver.received()).as("nothing is sent while the server is down").hasSize(1);
        server = magnet.restart();
        WebhookReceiver.Received ok = receiver.await(r -> r.answered() == 200, 1, TIMEOUT).get(0);
        assertThat(ok.json().path("text").asText()).contains("/sessions/" + session).contains("Say &lt;hi&gt;")
                .contains("was started by");
        assertThat(deliveries(server, webhook).get(0).path("state").asText()).isEqualTo("delivered");
    }

    @Test
    void a_webhook_aimed_at_loopback_link_local_or_private_addresses_is_refused_unless_the_operator_allows_them() {
        Map<String, String> strict = new HashMap<>();
        strict.put("MAGNET_ALLOW_PRIVATE_ADDRESSES", null);
        TestServer server = magnet.restart(strict);
        for (String url : List.of(receiver.url("/x"), "http://localhost:9/x", "http://169.254.169.254/latest/meta-data/",
                "http://[::1]:9/x", "http://[::ffff:127.0.0.1]:9/x", "http://10.0.0.1/x", "http://192.168.1.1/x",
                "file:///etc/passwd", "gopher://127.0.0.1/")) {
            TestServer.Response r = server.post("/api/webhooks", Map.of("url", url));
            assertThat(r.status()).as(url).isEqualTo(400);
            assertThat(r.json().path("field").asText()).as(url).isEqualTo("url");
        }
        assertThat(server.get("/api/webhooks").json().path("webhooks").isEmpty()).isTrue();

        // made while the operator allowed loopback, then sent after a restart that no longer allows it: not sent
        server = magnet.restart();
        String webhook = server.post("/api/webhooks", Map.of("url", receiver.url("/x"), "events", List.of("session.created")))
                .json().path("id").asText();
        server = magnet.restart(strict);
        server.createSession(Map.of("prompt", "hello"));
        TestServer strictServer = server;
        Awaitility.await().atMost(TIMEOUT).until(() -> deliveries(strictServer, webhook).path(0).path("attempts").asInt() >= 1);
        assertThat(deliveries(server, webhook).path(0).path("error").asText()).contains("MAGNET_ALLOW_PRIVATE_ADDRESSES");
        assertThat(receiver.received()).isEmpty();
        assertThat(server.post("/api/webhooks", Map.of("url", "https://example.invalid/x", "events", List.of("nope"))).status())
                .isEqualTo(400);
        String member = server.newMemberKey("member@example.com");
        assertThat(server.send("GET", "/api/webhooks", null, member, Map.of()).status()).isEqualTo(403);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.function.Predicate<WebhookReceiver.Received> event(String name) {
        return r -> name.equals(r.header("Magnet-Event"));
    }

    private static JsonNode deliveries(TestServer server, String webhook) {
        return server.get("/api/webhooks/" + webhook + "/deliveries").json().path("deliveries");
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment cli = new CliEnvironment(Map.of("MAGNET_URL", magnet.server().baseUrl(), "MAGNET_API_KEY",
                TestServer.API_KEY), new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]), false, Clock.systemUTC());
        int exit = new CommandLine(new WebhooksCommand(cli)).execute(args.length > 0 && args[0].equals("webhooks")
                ? java.util.Arrays.copyOfRange(args, 1, args.length) : args);
        return new Run(exit, out.toString(), err.toString());
    }

    record Run(int exit, String out, String err) {
    }
}
