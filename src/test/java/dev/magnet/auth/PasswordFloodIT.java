package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.Browser;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.TestServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Password guessing against the real server over HTTP: a flood of parallel sign-ins is refused without exhausting
 * the server, and an attacker cannot lock the well-known admin account's owner out. Each client address is a
 * loopback address of its own (127.0.0.x), which is what the server sees as the caller's address.
 */
class PasswordFloodIT {
    private static final String ADMIN_PASSWORD = "admin-password-for-tests";
    private static final String METRICS_TOKEN = "metrics-token-for-flood-tests";
    private static final int MAX_HASHES = 2;
    /** Failed sign-ins per account and address before the server makes the next one wait. */
    private static final int FREE_ATTEMPTS = 3;

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of(
            "MAGNET_ADMIN_PASSWORD", ADMIN_PASSWORD,
            "MAGNET_MAX_PASSWORD_HASHES", Integer.toString(MAX_HASHES),
            "MAGNET_METRICS_TOKEN", METRICS_TOKEN));
    private TestServer server;

    @BeforeEach
    void start() {
        server = magnet.server();
    }

    @Test
    void three_hundred_parallel_wrong_sign_ins_are_refused_without_hashing_beyond_the_cap_and_the_owner_still_signs_in()
            throws Exception {
        List<Guess> guesses = new ArrayList<>();
        for (int a = 0; a < 20; a++) {
            for (int i = 0; i < 15; i++) {
                // why: half guess the admin's password, half guess accounts that do not exist; both must cost the same
                String email = i % 2 == 0 ? Bootstrap.ADMIN_EMAIL : "nobody-" + a + "-" + i + "@example.test";
                guesses.add(new Guess(10 + a, email, "wrong-guess-" + a + "-" + i));
            }
        }
        Flood flood = flood(guesses);
        String metrics = metrics();
        flood.report("20 addresses", metrics);

        assertThat(flood.refused()).as("sign-ins refused before their password was hashed").isPositive();
        assertThat(gauge(metrics, "magnet_password_hashes_in_progress_max")).isBetween(1.0, (double) MAX_HASHES);
        assertThat(gauge(metrics, "magnet_password_hashes_total")).as("only answers of 401 cost a hash (and perhaps a "
                        + "request sent again whose first answer was lost)")
                .isBetween((double) flood.unauthorized(), (double) flood.unauthorized() + flood.resets());
        assertThat(server.send("GET", "/health/live", null, null, Map.of()).status()).isEqualTo(200);

        Browser owner = new Browser(server.baseUrl(), loopback(200));
        Browser.Answer signedIn = owner.signIn(Bootstrap.ADMIN_EMAIL, ADMIN_PASSWORD);
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
        assertThat(owner.get("/api/me").json().path("user").path("email").asText()).isEqualTo(Bootstrap.ADMIN_EMAIL);
    }

    @Test
    void three_hundred_parallel_guesses_from_one_address_cost_a_handful_of_hashes() throws Exception {
        List<Guess> guesses = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            guesses.add(new Guess(50, Bootstrap.ADMIN_EMAIL, "wrong-guess-" + i));
        }
        Flood flood = flood(guesses);
        String metrics = metrics();
        flood.report("one address", metrics);

        // why: 3 attempts are free; the next waits 1 s, the one after 2 s, ...; a connection the kernel reset is sent
        // again a moment later, so a few more may get through while the flood lasts
        assertThat(flood.unauthorized()).isBetween(FREE_ATTEMPTS, FREE_ATTEMPTS + 7);
        assertThat(gauge(metrics, "magnet_password_hashes_total"))
                .isBetween((double) flood.unauthorized(), (double) flood.unauthorized() + flood.resets());
        Browser owner = new Browser(server.baseUrl(), loopback(51));
        assertThat(owner.signIn(Bootstrap.ADMIN_EMAIL, ADMIN_PASSWORD).status()).isEqualTo(200);
    }

    @Test
    void wrong_passwords_for_the_admin_from_one_address_do_not_lock_out_the_admin_signing_in_from_another() {
        Browser attacker = new Browser(server.baseUrl(), loopback(66));
        for (int i = 0; i < 8; i++) {
            assertThat(attacker.signIn(Bootstrap.ADMIN_EMAIL, "guess-number-" + i).status()).isIn(401, 429);
        }
        Browser owner = new Browser(server.baseUrl(), loopback(77));
        Browser.Answer signedIn = owner.signIn(Bootstrap.ADMIN_EMAIL, ADMIN_PASSWORD);
        assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
        assertThat(owner.get("/api/me").json().path("role").asText()).isEqualTo("admin");
    }

    @Test
    void an_address_that_keeps_guessing_is_slowed_and_even_the_right_password_waits_its_turn() {
        Browser attacker = new Browser(server.baseUrl(), loopback(88));
        for (int i = 0; i < FREE_ATTEMPTS; i++) {
            assertThat(attacker.signIn(Bootstrap.ADMIN_EMAIL, "guess-number-" + i).status()).isEqualTo(401);
        }
        Browser.Answer slowed = attacker.signIn(Bootstrap.ADMIN_EMAIL, ADMIN_PASSWORD);
        assertThat(slowed.status()).isEqualTo(429);
        assertThat(Long.parseLong(slowed.header("Retry-After"))).isBetween(1L, 900L);
        assertThat(slowed.setCookies()).isEmpty();

        Browser wrongEmail = new Browser(server.baseUrl(), loopback(89));
        for (int i = 0; i < FREE_ATTEMPTS; i++) {
            assertThat(wrongEmail.signIn("nobody@example.test", "guess-number-" + i).status()).isEqualTo(401);
        }
        assertThat(wrongEmail.signIn("nobody@example.test", "guess-number-x").status())
                .as("a wrong email is slowed like a wrong password").isEqualTo(429);
    }

    /** One sign-in attempt of a flood: from 127.0.0.{@code address}, with this email and password. */
    private record Guess(int address, String email, String password) {
    }

    /** What a flood got: answers of 401 (the password was hashed) and 429, connections sent again, and figures. */
    private record Flood(int unauthorized, int refused, long resets, long millis, long heapBefore, long heapPeak,
                         long heapAfter) {
        void report(String what, String metrics) {
            System.out.printf("flood from %s: %d sign-ins in %d ms: %d answered 401 (hashed), %d refused with 429, %d"
                            + " connections reset before the server accepted them (sent again); heap used before %d MiB,"
                            + " peak %d MiB, after %d MiB (after GC); hashes computed %s, most at once %s, refused as busy %s%n",
                    what, unauthorized + refused, millis, unauthorized, refused, resets, heapBefore >> 20, heapPeak >> 20,
                    heapAfter >> 20, gauge(metrics, "magnet_password_hashes_total"),
                    gauge(metrics, "magnet_password_hashes_in_progress_max"), gauge(metrics, "magnet_password_hashes_refused_total"));
        }
    }

    /**
     * Sends every guess at once (each from its address) and waits for all answers; every answer must be 401 or 429,
     * and a 429 must say when to try again. Heap figures are for the report only.
     */
    private Flood flood(List<Guess> guesses) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        AtomicLong heapPeak = new AtomicLong(heapBefore);
        AtomicBoolean flooding = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (flooding.get()) {
                heapPeak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Map<Integer, HttpClient> clients = new HashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong resets = new AtomicLong();
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        long started;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Guess g : guesses) {
                HttpClient client = clients.computeIfAbsent(g.address(), a -> HttpClient.newBuilder().localAddress(loopback(a))
                        .connectTimeout(Duration.ofSeconds(10)).build());
                String body = "{\"email\":\"" + g.email() + "\",\"password\":\"" + g.password() + "\"}";
                HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/auth/signin"))
                        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                answers.add(pool.submit(() -> {
                    go.await();
                    return send(client, request, resets);
                }));
            }
            started = System.nanoTime();
            go.countDown();
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        flooding.set(false);
        sampler.join();
        System.gc();
        long heapAfter = memory.getHeapMemoryUsage().getUsed();
        int unauthorized = 0;
        int refused = 0;
        for (Future<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isIn(401, 429);
            if (r.statusCode() == 429) {
                refused++;
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
            } else {
                unauthorized++;
            }
        }
        return new Flood(unauthorized, refused, resets.get(), millis, heapBefore, heapPeak.get(), heapAfter);
    }

    /**
     * Sends a request, again when its connection was reset before an answer: 300 connections at once overflow the
     * listen queue of the server's socket (50 by default), and the kernel resets some of them before the server sees
     * them. That is not an answer of the server, so it is sent again (and counted for the report).
     */
    private static HttpResponse<String> send(HttpClient client, HttpRequest request, AtomicLong resets) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                if (attempt == 3) {
                    throw e;
                }
                resets.incrementAndGet();
            }
        }
    }

    private String metrics() {
        TestServer.Response r = server.send("GET", "/metrics", null, null, Map.of("Authorization", "Bearer " + METRICS_TOKEN));
        assertThat(r.status()).isEqualTo(200);
        return r.body();
    }

    private static double gauge(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ")).map(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no figure " + name + " in /metrics"));
    }

    private static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
