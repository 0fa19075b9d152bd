package dev.magnet.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PinnedPostTest {
    private HttpServer receiver;
    private final List<String> hosts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startReceiverOnLoopback() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        receiver.createContext("/", exchange -> {
            hosts.add(exchange.getRequestHeaders().getFirst("Host") + " " + new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8));
            byte[] answer = "received".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(202, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    @Test
    void a_delivery_goes_to_the_address_that_was_checked_not_to_what_the_name_resolves_to_now() throws IOException {
        int port = receiver.getAddress().getPort();
        // why: "localhost" resolves to the receiver; a rebinding name would too. Pinned elsewhere, nothing reaches it.
        URI url = URI.create("http://localhost:" + port + "/hooks");

        assertThatThrownBy(() -> PinnedPost.send(url, InetAddress.getByName("127.0.0.2"), Map.of(), new byte[0],
                Duration.ofSeconds(2), 100)).isInstanceOf(IOException.class);

        assertThat(hosts).as("the loopback receiver the name points at now").isEmpty();
    }

    @Test
    void the_request_names_the_url_s_host_and_the_answer_is_kept_up_to_the_cap() throws IOException {
        int port = receiver.getAddress().getPort();
        URI url = URI.create("http://hooks.example.invalid:" + port + "/hooks?a=1");

        PinnedPost.Response r = PinnedPost.send(url, InetAddress.getByName("127.0.0.1"), Map.of("Magnet-Event", "x"),
                "{\"x\":1}".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5), 4);

        assertThat(r.status()).isEqualTo(202);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("rece");
        assertThat(hosts).containsExactly("hooks.example.invalid:" + port + " {\"x\":1}");
    }
}
