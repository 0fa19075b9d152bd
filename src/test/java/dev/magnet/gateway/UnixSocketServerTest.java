package dev.magnet.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class UnixSocketServerTest {
    private static final int MAX = 3;

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger served = new AtomicInteger();
    private final List<SocketChannel> clients = new ArrayList<>();
    private Path dir;
    private UnixSocketServer server;

    @BeforeEach
    void start() throws IOException {
        // why: unix socket paths are limited to 107 bytes, so not under the (long) JUnit temporary folder
        dir = Files.createTempDirectory(Path.of("/tmp"), "uss");
        server = UnixSocketServer.serve(dir.resolve("t.sock"), -1, -1, MAX, client -> {
            try {
                client.write(ByteBuffer.wrap(("served " + served.incrementAndGet() + "\n").getBytes(StandardCharsets.UTF_8)));
                release.await();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @AfterEach
    void stop() throws IOException {
        release.countDown();
        for (SocketChannel client : clients) {
            client.close();
        }
        server.close();
        Files.deleteIfExists(dir);
    }

    @Test
    void connections_past_the_limit_are_closed_at_once_and_counted() throws IOException {
        for (int i = 1; i <= MAX; i++) {
            assertThat(firstLine(connect())).isEqualTo("served " + i);
        }

        assertThat(firstLine(connect())).as("closed unserved").isEmpty();
        assertThat(firstLine(connect())).isEmpty();
        assertThat(server.refusedConnections()).isEqualTo(2);
        assertThat(served.get()).isEqualTo(MAX);
    }

    @Test
    void a_connection_is_served_again_once_one_has_ended() throws IOException {
        for (int i = 1; i <= MAX; i++) {
            firstLine(connect());
        }
        assertThat(firstLine(connect())).isEmpty();

        release.countDown();

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> firstLine(connect()).startsWith("served"));
        assertThat(server.refusedConnections()).isGreaterThanOrEqualTo(1);
    }

    private SocketChannel connect() throws IOException {
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
        client.connect(UnixDomainSocketAddress.of(server.path()));
        clients.add(client);
        return client;
    }

    /** What the server wrote before its first newline, or "" when it closed the connection without a word. */
    private static String firstLine(SocketChannel client) throws IOException {
        StringBuilder text = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (client.read(one) > 0) {
            char c = (char) one.get(0);
            if (c == '\n') {
                break;
            }
            text.append(c);
            one.clear();
        }
        return text.toString();
    }
}
