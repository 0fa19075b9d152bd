package dev.magnet.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxProcess;
import dev.magnet.sandbox.SandboxSpec;
import dev.magnet.testing.FakeAnthropic;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod shim end to end on this machine: the provider creates the session's pod in fabric8's mock API server, the fake
 * kubelet of {@link PodCluster} starts the shim as a child JVM with the environment of that pod spec, and the shim dials
 * the real pod gateway as it would from the pod. Hostile clients of the gateway get nothing.
 */
class PodShimIT {
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "GREETING", "hello");

    private FakeAnthropic model;
    private PodCluster cluster;
    private KubernetesSandboxProvider provider;
    @TempDir
    Path temp;

    @BeforeEach
    void start() throws Exception {
        model = FakeAnthropic.start();
        cluster = new PodCluster(model.baseUrl(), true);
        provider = cluster.provider();
    }

    @AfterEach
    void stop() {
        cluster.close();
        model.close();
    }

    @Test
    void a_process_in_the_pod_gets_exactly_its_environment_and_its_stdio_and_exit_code_come_back() throws Exception {
        try (Sandbox sandbox = provider.create(spec("s-stdio"))) {
            SandboxProcess p = sandbox.start(List.of("sh", "-c",
                    "read line; echo \"out:$line:$GREETING:${SHIM_TOKEN:-no-token}:$(pwd)\"; echo oops >&2; exit 3"), ENV);
            p.stdin().write("ping\n".getBytes(StandardCharsets.UTF_8));
            p.stdin().close();

            String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.stderr().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(Duration.ofSeconds(20))).isEqualTo(3);
            PodCluster.Shim shim = cluster.shim(((KubernetesSandbox) sandbox).podName());
            assertThat(out).isEqualTo("out:ping:hello:no-token:" + shim.workdir() + "\n");
            assertThat(err).isEqualTo("oops\n");
        }
    }

    @Test
    void the_pods_token_is_neither_in_the_shims_environment_nor_on_disk_once_the_shim_runs() throws Exception {
        try (Sandbox sandbox = provider.create(spec("s-secret"))) {
            String pod = ((KubernetesSandbox) sandbox).podName();
            String token = cluster.tokens.issue("s-secret", 1);
            // what the agent, same account as the shim, can read of its parent
            SandboxProcess p = sandbox.start(List.of("sh", "-c", "tr '\\0' '\\n' < /proc/$PPID/environ"), ENV);

            String shimEnvironment = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(Duration.ofSeconds(20))).isZero();
            assertThat(shimEnvironment).contains("SHIM_GATEWAY=").doesNotContain(token).doesNotContain("SHIM_TOKEN=");
            assertThat(cluster.dir.resolve(pod + ".token")).doesNotExist();
        }
    }

    @Test
    void large_output_and_input_cross_intact_in_both_directions() throws Exception {
        try (Sandbox sandbox = provider.create(spec("s-bulk"))) {
            SandboxProcess p = sandbox.exec(List.of("sh", "-c", "sha256sum; head -c 3000000 /dev/zero"), ENV);
            byte[] input = new byte[5_000_000];
            new java.util.Random(7).nextBytes(input);
            Thread writer = Thread.ofVirtual().start(() -> {
                try (OutputStream in = p.stdin()) {
                    in.write(input);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] out = p.stdout().readAllBytes();
            writer.join();

            assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
            String sum = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(input));
            assertThat(new String(out, 0, 64, StandardCharsets.US_ASCII)).isEqualTo(sum);
            assertThat(out.length).isEqualTo(64 + "  -\n".length() + 3_000_000);
        }
    }

    @Test
    void killing_a_process_kills_its_tree_in_the_pod_and_stopping_the_sandbox_kills_the_rest() throws Exception {
        try (Sandbox sandbox = provider.create(spec("s-kill"))) {
            SandboxProcess p = sandbox.start(List.of("sh", "-c", "sleep 300 & echo $!; wait"), ENV);
            long child = Long.parseLong(readLine(p.stdout()));
            SandboxProcess q = sandbox.start(List.of("sleep", "300"), ENV);

            p.killTree();
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(RemoteProcess.KILLED);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
            assertThat(q.isAlive()).isTrue();

            sandbox.stopProcesses();
            assertThat(q.waitFor(Duration.ofSeconds(60))).isEqualTo(RemoteProcess.KILLED);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.of(q.pid()).map(h -> !h.isAlive()).orElse(true));
        }
    }

    @Test
    void the_model_relay_is_reached_through_the_pods_loopback_and_wants_the_sessions_relay_token() throws Exception {
        try (Sandbox sandbox = provider.create(spec("s-model"))) {
            PodCluster.Shim shim = cluster.shim(((KubernetesSandbox) sandbox).podName());
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shim.modelPort() + "/v1/messages"))
                    .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"claude-opus-4-6\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

            HttpResponse<String> refused = http.send(request.header("x-api-key", "sk-ant-guessed").build(), HttpResponse.BodyHandlers.ofString());

            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).contains("Magnet relay");
            assertThat(model.requests()).isEmpty();
            String token = cluster.relay.open("s-model", "ws-1", false);
            HttpResponse<String> answered = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shim.modelPort() + "/v1/messages"))
                    .header("content-type", "application/json").header("x-api-key", token).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"claude-opus-4-6\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(model.requests()).hasSize(1);
            assertThat(model.requests().getFirst().toString()).doesNotContain(token);
            assertThat(answered.statusCode()).isNotEqualTo(401);
        }
    }

    @Test
    void a_pod_lost_mid_process_ends_that_process_and_the_next_one_runs_in_a_new_pod() throws Exception {
        try (Sandbox sandbox = provider.create(spec("s-lost"))) {
            KubernetesSandbox pod = (KubernetesSandbox) sandbox;
            String first = pod.podName();
            SandboxProcess wrote = sandbox.start(List.of("sh", "-c", "echo kept > work.txt"), ENV);
            assertThat(wrote.waitFor(Duration.ofSeconds(30))).isZero();
            SandboxProcess running = sandbox.start(List.of("sleep", "300"), ENV);
            assertThat(sandbox.losses()).isEmpty();

            cluster.client.pods().inNamespace(PodCluster.NAMESPACE).withName(first).delete();

            assertThat(running.waitFor(Duration.ofSeconds(15))).isEqualTo(RemoteProcess.KILLED);
            assertThat(sandbox.losses()).singleElement().satisfies(l -> assertThat(l.description()).contains("deleted"));
            SandboxProcess next = sandbox.start(List.of("cat", "work.txt"), ENV);
            assertThat(new String(next.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("kept\n");
            assertThat(pod.podName()).isEqualTo(PodSpecs.podName("s-lost", 2)).isNotEqualTo(first);
            assertThat(sandbox.keepsWorkspace()).isFalse();
            assertThat(cluster.client.persistentVolumeClaims().inNamespace(PodCluster.NAMESPACE).list().getItems()).singleElement()
                    .satisfies(v -> assertThat(v.getMetadata().getName()).isEqualTo(PodSpecs.volumeName("s-lost")));
            assertThat(sandbox.describe()).containsEntry("podsLost", 1);
            // what is left of the first pod (its token) is not served any more
            assertThat(new String(attack(ShimProtocol.hello(ShimProtocol.CONTROL, cluster.tokens.issue("s-lost", 1), "-")),
                    StandardCharsets.US_ASCII)).isEqualTo("refused stale-pod\n");
        }
    }

    @Test
    void closing_the_sandbox_deletes_the_sessions_pod() throws Exception {
        Sandbox sandbox = provider.create(spec("s-close"));
        assertThat(cluster.sessionPods()).hasSize(1);

        sandbox.close();

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cluster.sessionPods().isEmpty());
    }

    @Test
    void an_agent_that_stole_its_pods_token_gets_no_second_control_no_other_sessions_tunnel_and_no_process_and_the_session_is_unaffected()
            throws Exception {
        try (Sandbox victim = provider.create(spec("s-stolen")); Sandbox other = provider.create(spec("s-other"))) {
            String stolen = cluster.tokens.issue("s-stolen", 1);
            SandboxProcess running = victim.start(List.of("sh", "-c", "read x; echo \"got:$x\""), ENV);
            long processesBefore = cluster.pods.accepted("s-stolen", ShimProtocol.PROCESS);

            // a second control connection: refused while the shim's own is live, and it learns nothing
            assertThat(new String(attack(ShimProtocol.hello(ShimProtocol.CONTROL, stolen, "-")), StandardCharsets.US_ASCII))
                    .isEqualTo("refused busy\n");
            // the token made to say another session, or mangled: closed without a word
            String forged = "s-other" + stolen.substring("s-stolen".length());
            assertThat(attack(ShimProtocol.hello(ShimProtocol.CONTROL, forged, "-"))).isEmpty();
            assertThat(attack(ShimProtocol.hello(ShimProtocol.TUNNEL, forged, ShimProtocol.MODEL))).isEmpty();
            String mangled = stolen.substring(0, stolen.length() - 2) + (stolen.endsWith("AA") ? "BB" : "AA");
            assertThat(attack(ShimProtocol.hello(ShimProtocol.CONTROL, mangled, "-"))).isEmpty();
            assertThat(attack(ShimProtocol.hello(ShimProtocol.CONTROL, "s-stolen.2" + stolen.substring("s-stolen.1".length()), "-")))
                    .isEmpty();
            // a process Magnet did not start, or a channel guessed: nothing; a tunnel anywhere but its own relay and proxy: nothing
            assertThat(attack(ShimProtocol.hello(ShimProtocol.PROCESS, stolen, "1-0"))).isEmpty();
            assertThat(attack(ShimProtocol.hello(ShimProtocol.TUNNEL, stolen, "s-other"))).isEmpty();
            assertThat(attack(ShimProtocol.hello(ShimProtocol.TUNNEL, stolen, "../../../s-other/model.sock"))).isEmpty();

            // on the server: one control connection, no process but Magnet's own, no tunnel of the other session
            assertThat(cluster.pods.accepted("s-stolen", ShimProtocol.CONTROL)).isEqualTo(1);
            assertThat(cluster.pods.accepted("s-stolen", ShimProtocol.PROCESS)).isEqualTo(processesBefore);
            assertThat(cluster.pods.accepted("s-other", ShimProtocol.CONTROL)).isEqualTo(1);
            assertThat(cluster.pods.accepted("s-other", ShimProtocol.TUNNEL + " " + ShimProtocol.MODEL)).isZero();
            assertThat(cluster.pods.refused(ShimProtocol.BUSY)).isEqualTo(1);
            assertThat(cluster.pods.refused("bad-token")).isGreaterThanOrEqualTo(4);
            // the session goes on: the running process still gets its input, and new ones start
            running.stdin().write("on\n".getBytes(StandardCharsets.UTF_8));
            running.stdin().close();
            assertThat(new String(running.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("got:on\n");
            SandboxProcess next = victim.start(List.of("echo", "fine"), ENV);
            assertThat(new String(next.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("fine\n");
            assertThat(((KubernetesSandbox) other).state()).isInstanceOf(PodState.Running.class);
        }
    }

    @Test
    void a_hostile_client_without_the_sessions_token_or_asking_for_a_process_magnet_did_not_start_gets_nothing() throws Exception {
        try (Sandbox sandbox = provider.create(spec("s-attacked"))) {
            String token = cluster.sessionPods().getFirst().getSpec().getInitContainers().getFirst().getEnv().stream()
                    .filter(e -> e.getName().equals("SHIM_TOKEN")).findFirst().orElseThrow().getValue();

            assertThat(attack(ShimProtocol.hello(ShimProtocol.CONTROL, "guessed-token", "-"))).isEmpty();
            assertThat(attack(ShimProtocol.hello(ShimProtocol.TUNNEL, "guessed-token", ShimProtocol.MODEL)
                    + "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).isEmpty();
            assertThat(attack(ShimProtocol.hello(ShimProtocol.PROCESS, token, "1-made-up"))).isEmpty();
            assertThat(attack("magnet-shim 1 control " + token + " -\n")).isEmpty();
            assertThat(attack(ShimProtocol.hello(ShimProtocol.TUNNEL, token, "../../etc/passwd"))).isEmpty();
            assertThat(attack(ShimProtocol.hello(ShimProtocol.CONTROL, token, "x".repeat(100_000)))).isEmpty();
            assertThat(attack("x".repeat(600) + "\n")).isEmpty();
            // the session still works for its own shim
            SandboxProcess p = sandbox.start(List.of("echo", "fine"), ENV);
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("fine\n");
        }
    }

    /** What the pod gateway sends back to a client that says {@code greeting} and then waits, until it closes. */
    private byte[] attack(String greeting) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), cluster.pods.port())) {
            s.setSoTimeout(15_000);
            try {
                s.getOutputStream().write(greeting.getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
            } catch (IOException e) {
                return new byte[0]; // closed on us while we wrote: nothing came back
            }
            try {
                return s.getInputStream().readAllBytes();
            } catch (java.net.SocketException e) {
                return new byte[0];
            }
        }
    }

    private SandboxSpec spec(String session) throws IOException {
        Path d = Files.createDirectories(temp.resolve(session));
        return new SandboxSpec(session, Files.createDirectories(d.resolve("w")), Files.createDirectories(d.resolve("h")),
                Files.createDirectories(d.resolve("t")), Files.createDirectories(d.resolve("r")));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.append((char) b);
        }
        return line.toString();
    }
}
