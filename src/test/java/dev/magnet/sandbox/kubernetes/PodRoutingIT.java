package dev.magnet.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxProcess;
import dev.magnet.sandbox.SandboxSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Magnet servers on loopback (127.0.0.1 and 127.0.0.2, the same gateway port) behind one name, as a headless
 * gateway Service gives every server pod's address: the pod's shim finds the server that holds its session, whichever
 * address comes first, and follows the session to the server that takes it over.
 */
class PodRoutingIT {
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin");

    private PodCluster cluster;
    private PodGateway first;
    private PodGateway second;
    private KubernetesSandboxProvider onFirst;
    private KubernetesSandboxProvider onSecond;
    @TempDir
    Path temp;

    @BeforeEach
    void start() throws Exception {
        cluster = new PodCluster("http://127.0.0.1:9", true);
        first = cluster.gatewayAt(InetAddress.getByName("127.0.0.1"), 0);
        second = cluster.gatewayAt(InetAddress.getByName("127.0.0.2"), first.port());
        Path hosts = Files.writeString(temp.resolve("hosts"), "127.0.0.1 magnet-gateway.test\n127.0.0.2 magnet-gateway.test\n");
        cluster.podsDial("magnet-gateway.test:" + first.port(), List.of("-Djdk.net.hosts.file=" + hosts));
        onFirst = cluster.provider(first, Files.createDirectories(cluster.dir.resolve("server-1")));
        onSecond = cluster.provider(second, Files.createDirectories(cluster.dir.resolve("server-2")));
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void the_shim_reaches_the_server_holding_its_session_and_after_that_server_dies_the_one_that_takes_over() throws Exception {
        // the second address holds the session: the first refuses the shim and it moves on
        KubernetesSandbox held = (KubernetesSandbox) onSecond.create(spec("s-moves"));
        assertThat(run(held, "echo on-second")).isEqualTo("on-second\n");
        assertThat(first.refused(ShimProtocol.NOT_HOLDER)).isPositive();
        assertThat(first.accepted("s-moves", ShimProtocol.CONTROL)).isZero();
        String pod = held.podName();

        onSecond.close(); // the holder dies: its pod gateway goes with it, the pod stays
        second.close();
        KubernetesSandbox taken = (KubernetesSandbox) onFirst.create(spec("s-moves"));

        assertThat(run(taken, "echo on-first")).isEqualTo("on-first\n");
        assertThat(taken.podName()).isEqualTo(pod);
        assertThat(taken.keepsWorkspace()).isTrue();
        assertThat(first.accepted("s-moves", ShimProtocol.CONTROL)).isEqualTo(1);
        assertThat(cluster.sessionPods()).hasSize(1);
        taken.close();
    }

    @Test
    void a_server_that_gave_a_session_up_but_lives_on_refuses_its_shim_which_then_finds_the_new_holder() throws Exception {
        KubernetesSandbox held = (KubernetesSandbox) onFirst.create(spec("s-handed"));
        assertThat(run(held, "echo one")).isEqualTo("one\n");

        held.release(); // the first server lost the session's lease; it keeps running and serving others
        KubernetesSandbox taken = (KubernetesSandbox) onSecond.create(spec("s-handed"));

        assertThat(run(taken, "echo two")).isEqualTo("two\n");
        assertThat(second.accepted("s-handed", ShimProtocol.CONTROL)).isEqualTo(1);
        assertThat(first.refused(ShimProtocol.NOT_HOLDER)).isPositive();
        taken.close();
    }

    private static String run(Sandbox sandbox, String command) throws IOException, InterruptedException {
        SandboxProcess p = sandbox.start(List.of("sh", "-c", command), ENV);
        String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(Duration.ofSeconds(30))).isZero();
        return out;
    }

    private SandboxSpec spec(String session) throws IOException {
        Path d = Files.createDirectories(temp.resolve(session + "-" + System.nanoTime()));
        return new SandboxSpec(session, Files.createDirectories(d.resolve("w")), Files.createDirectories(d.resolve("h")),
                Files.createDirectories(d.resolve("t")), Files.createDirectories(d.resolve("r")));
    }
}
