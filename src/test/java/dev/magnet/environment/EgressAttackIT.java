package dev.magnet.environment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An agent with the widest network policy ({@code full}), on a server whose operator lets sandboxes reach services on
 * 127.0.0.1, attacks the egress proxy: it asks it for the Magnet server's own API (by 127.0.0.1, localhost, hex and
 * decimal spellings, IPv6 loopback and IPv4-mapped), another loopback address, the cloud metadata address, a private
 * range and a tunnel to an internal SSH port, in plain HTTP and through CONNECT, with a smuggled Host header. Every
 * attempt is refused (403) by the proxy and recorded as a denied {@code egress} event; none reaches Magnet's API.
 */
class EgressAttackIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** The operator lets sandboxes reach services on 127.0.0.1: Magnet's own ports there stay out of reach. */
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of("MAGNET_EGRESS_PRIVATE_ADDRESSES",
            "127.0.0.1,localhost"));

    @Test
    void the_proxy_never_reaches_internal_addresses_whatever_the_agent_asks() {
        TestServer server = magnet.server();
        int port = server.magnet().port();
        String envId = server.post("/api/environments", Map.of("name", "Open", "network", Map.of("agent", "full")))
                .json().path("id").asText();
        String curl = "curl -s -m 5 -o /dev/null -w '%{http_code}\\n' --proxy http://127.0.0.1:3128 --noproxy '' ";
        List<String> targets = List.of(
                "http://127.0.0.1:" + port + "/api/sessions",
                "http://localhost:" + port + "/api/sessions",
                "http://0x7f000001:" + port + "/api/sessions",
                "http://2130706433:" + port + "/api/sessions",
                "http://[::1]:" + port + "/api/sessions",
                "http://[::ffff:127.0.0.1]:" + port + "/api/sessions",
                "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.1/",
                "http://127.0.0.2:" + port + "/api/sessions",
                "https://127.0.0.1:" + port + "/",
                "https://10.1.2.3:22/");
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < targets.size(); i++) {
            script.append("echo attack").append(i).append("=$(").append(curl).append("'").append(targets.get(i))
                    .append("')\n");
        }
        // a request whose Host header names the server while the URL names something else
        script.append("echo smuggle=$(").append(curl).append("-H 'Host: 127.0.0.1:").append(port)
                .append("' 'http://169.254.169.254/')\n");
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", script.toString(), "description", "probe")),
                Turn.reply().text("Probed.")));

        String id = server.createSession(Map.of("prompt", "Probe the network", "environmentId", envId)).path("id").asText();
        server.awaitStatus(id, "completed", TIMEOUT);

        List<JsonNode> events = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(events::add);
        String output = events.stream().filter(e -> e.path("type").asText().equals("tool_result"))
                .map(e -> e.path("data").path("output").asText()).reduce("", String::concat);
        for (int i = 0; i < targets.size(); i++) {
            assertThat(output).as(targets.get(i)).containsPattern("attack" + i + "=(403|000)");
        }
        assertThat(output).contains("smuggle=403");
        List<JsonNode> egress = events.stream().filter(e -> e.path("type").asText().equals("egress"))
                .map(e -> e.path("data")).toList();
        assertThat(output).as("Magnet's API would have answered 401").doesNotContain("=401");
        assertThat(egress).hasSizeGreaterThanOrEqualTo(targets.size())
                .allSatisfy(e -> assertThat(e.path("allowed").asBoolean()).as(e.toString()).isFalse());
    }
}
