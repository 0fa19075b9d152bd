package dev.magnet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.FakeAnthropic;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A session's model socket behind the same socat bridge the sandbox runs, driven by curl as an agent would: what
 * the relay answers reaches the client even when the relay closes without reading the body the client is sending.
 */
class GatewayBridgeIT {
    private static final int MAX_BODY = 256 * 1024;

    private FakeAnthropic model;
    private ModelRelay relay;
    private Path dir;
    private Gateway.SessionGateway sockets;
    private Process socat;
    private int port;

    @BeforeEach
    void start() throws Exception {
        model = FakeAnthropic.start();
        relay = ModelRelay.start("sk-ant-" + "bridge-test", model.baseUrl(), MAX_BODY, Spending.UNLIMITED);
        // why: unix socket paths are limited to 107 bytes, so not under the (long) JUnit temporary folder
        dir = Files.createTempDirectory(Path.of("/tmp"), "gw");
        sockets = new Gateway(relay, EgressPolicy.denyAll(), dev.magnet.net.AddressPolicy.of(java.util.List.of()), EgressLog.NONE, 8)
                .open("s", dir, -1, -1);
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        socat = new ProcessBuilder("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr",
                "UNIX-CONNECT:" + sockets.modelSocket()).redirectErrorStream(true).start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                .until(this::listening);
    }

    @AfterEach
    void stop() throws IOException {
        socat.destroy();
        sockets.close();
        relay.close();
        model.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void a_body_over_the_cap_gets_its_413_through_the_bridge_every_time() throws Exception {
        String token = relay.open("s", "workspace-1", false);
        Path big = Files.writeString(dir.resolve("big.json"), "{\"pad\":\"" + "x".repeat(600_000) + "\"}");
        List<String> answers = new ArrayList<>();

        for (int attempt = 0; attempt < 20; attempt++) {
            for (String framing : List.of("X-Framing: content-length", "Transfer-Encoding: chunked")) {
                answers.add(curl("-H", "x-api-key: " + token, "-H", "Expect:", "-H", framing, "-w", " status=%{http_code}",
                        "--data-binary", "@" + big, "http://127.0.0.1:" + port + "/v1/messages"));
            }
        }

        // why: before the gateway kept reading what the relay left unread, about 1 in 10 of these got "empty reply"
        assertThat(answers).allSatisfy(a -> assertThat(a).contains("request_too_large").endsWith("status=413"));
        assertThat(model.requests()).isEmpty();
    }

    private static String curl(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "-m", "20"));
        argv.addAll(List.of(args));
        Process curl = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        curl.waitFor();
        return out.strip();
    }

    private boolean listening() {
        try (java.net.Socket probe = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
