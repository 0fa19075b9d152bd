package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The follower's own reconnect logic, against a tiny scripted event-stream server on 127.0.0.1
 * (not a Magnet server): each connection plays the next script.
 */
class FollowReconnectTest {

    private static final Backoff FAST = new Backoff(Duration.ofMillis(10), Duration.ofMillis(40), 5);

    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private HttpServer server;

    private record Request(String path, String query, String lastEventId, String accept, String apiKey) {
    }

    @FunctionalInterface
    private interface Script {
        void play(HttpExchange exchange) throws IOException, InterruptedException;
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
        handlers.shutdownNow();
    }

    private String serve(Script... scripts) throws IOException {
        AtomicInteger connection = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(handlers);
        server.createContext("/", exchange -> {
            requests.add(new Request(
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getQuery(),
                    exchange.getRequestHeaders().getFirst("Last-Event-ID"),
                    exchange.getRequestHeaders().getFirst("Accept"),
                    exchange.getRequestHeaders().getFirst("x-api-key")));
            int index = Math.min(connection.getAndIncrement(), scripts.length - 1);
            try (exchange) {
                scripts[index].play(exchange);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static Script stream(String... frames) {
        return exchange -> {
            OutputStream body = openStream(exchange);
            for (String frame : frames) {
                body.write(frame.getBytes(StandardCharsets.UTF_8));
                body.flush();
            }
        };
    }

    private static OutputStream openStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    private static String event(long seq, String type, String data) {
        return "id: " + seq + "\nevent: " + type + "\ndata: {\"seq\":" + seq + ",\"sessionId\":\"s1\",\"type\":\"" + type
                + "\",\"at\":\"2025-06-01T12:00:00Z\",\"data\":" + data + "}\n\n";
    }

    private static String text(long seq, String text) {
        return event(seq, "text", "{\"text\":\"" + text + "\"}");
    }

    private static String end(String status, String failure) {
        return "event: end\ndata: {\"status\":\"" + status + "\",\"failure\":" + failure + "}\n\n";
    }

    private static int follow(TestConsole console, String... args) {
        SessionsCommand sessions = new SessionsCommand(console.env(), FAST, Duration.ofMillis(300));
        CommandLine commandLine = new CommandLine(sessions);
        commandLine.setOut(console.env().out());
        commandLine.setErr(console.env().err());
        return commandLine.execute(args);
    }

    @Test
    void a_dropped_stream_is_resumed_with_last_event_id_and_no_event_is_printed_twice() throws IOException {
        String url = serve(
                stream(text(1, "one"), ": ping\n\n", text(2, "two")),
                stream(text(2, "two"), text(3, "three"), end("completed", "null")));
        TestConsole console = TestConsole.withApiKey(url);

        int exit = follow(console, "follow", "s1");

        assertThat(exit).isZero();
        assertThat(console.out()).isEqualTo(String.join(System.lineSeparator(),
                "one", "two", "three", "✓ session completed", ""));
        assertThat(requests).extracting(Request::lastEventId).containsExactly(null, "2");
        assertThat(requests).allSatisfy(request -> {
            assertThat(request.path()).isEqualTo("/api/sessions/s1/events");
            assertThat(request.accept()).isEqualTo("text/event-stream");
            assertThat(request.apiKey()).isEqualTo("test-key");
        });
        assertThat(console.err()).contains("connection lost", "reconnecting");
    }

    @Test
    void a_failed_session_exits_with_1_and_prints_the_failure() throws IOException {
        String url = serve(stream(
                event(1, "status", "{\"status\":\"failed\",\"phase\":\"setting_up\",\"reason\":\"setup_failed\",\"message\":\"exit 2\"}"),
                end("failed", "{\"reason\":\"setup_failed\",\"message\":\"exit 2\",\"phase\":\"setting_up\"}")));
        TestConsole console = TestConsole.withApiKey(url);

        int exit = follow(console, "follow", "s1");

        assertThat(exit).isEqualTo(1);
        assertThat(console.out()).endsWith("✗ session failed: setup_failed in setting_up: exit 2" + System.lineSeparator());
    }

    @Test
    void after_starts_the_first_connection_later_and_a_reconnect_before_any_event_resumes_from_there() throws IOException {
        String url = serve(
                stream(": ping\n\n"),
                stream(text(6, "six"), end("completed", "null")));
        TestConsole console = TestConsole.withApiKey(url);

        int exit = follow(console, "follow", "s1", "--after", "5");

        assertThat(exit).isZero();
        assertThat(requests).extracting(Request::query).containsExactly("after=5", null);
        assertThat(requests).extracting(Request::lastEventId).containsExactly(null, "5");
    }

    @Test
    void a_stream_that_goes_silent_is_reopened() throws IOException {
        String url = serve(
                exchange -> {
                    OutputStream body = openStream(exchange);
                    body.write(text(1, "one").getBytes(StandardCharsets.UTF_8));
                    body.flush();
                    Thread.sleep(10_000);
                },
                stream(text(2, "two"), end("completed", "null")));
        TestConsole console = TestConsole.withApiKey(url);

        int exit = follow(console, "follow", "s1");

        assertThat(exit).isZero();
        assertThat(console.out()).contains("one", "two");
        assertThat(console.err()).contains("nothing received for 0.3s");
        assertThat(requests).extracting(Request::lastEventId).containsExactly(null, "1");
    }

    @Test
    void a_server_error_while_reconnecting_is_retried() throws IOException {
        String url = serve(
                stream(text(1, "one")),
                exchange -> exchange.sendResponseHeaders(503, -1),
                stream(text(2, "two"), end("completed", "null")));
        TestConsole console = TestConsole.withApiKey(url);

        int exit = follow(console, "follow", "s1");

        assertThat(exit).isZero();
        assertThat(requests).extracting(Request::lastEventId).containsExactly(null, "1", "1");
    }

    @Test
    void an_unknown_session_is_an_error_at_once() throws IOException {
        String url = serve(exchange -> {
            byte[] problem = "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no session s9\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/problem+json");
            exchange.sendResponseHeaders(404, problem.length);
            exchange.getResponseBody().write(problem);
        });
        TestConsole console = TestConsole.withApiKey(url);

        int exit = follow(console, "follow", "s9");

        assertThat(exit).isEqualTo(2);
        assertThat(console.err()).isEqualTo("error: Not Found: no session s9" + System.lineSeparator());
        assertThat(requests).hasSize(1);
    }

    @Test
    void a_server_that_keeps_dropping_without_sending_anything_is_given_up_on() throws IOException {
        String url = serve(stream(text(1, "one")), exchange -> exchange.sendResponseHeaders(503, -1));
        TestConsole console = TestConsole.withApiKey(url);

        int exit = follow(console, "follow", "s1");

        assertThat(exit).isEqualTo(3);
        assertThat(console.err()).contains("error: could not reach the Magnet server at " + url, "gave up following");
        assertThat(requests).hasSize(1 + FAST.maxAttempts());
    }
}
