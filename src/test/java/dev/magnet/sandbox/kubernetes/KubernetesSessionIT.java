package dev.magnet.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.EventChecks;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real server with {@code MAGNET_SANDBOX=kubernetes} against fabric8's mock API server: the fake kubelet of
 * {@link PodCluster} runs each pod's shim with the pod's paths (bubblewrap), so the runner's real Claude Code CLI works in
 * the "pod" as it would in a cluster, its volume a folder that outlives the pod.
 */
class KubernetesSessionIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    private static final List<String> CLIENT_PROPERTIES = List.of("kubernetes.master", "kubernetes.auth.tryKubeConfig",
            "kubernetes.auth.tryServiceAccount", "kubernetes.namespace");

    private FakeAnthropic model;
    private PodCluster cluster;
    private TestServer server;
    private int gatewayPort;
    @TempDir
    Path temp;

    @BeforeEach
    void start() throws IOException {
        model = FakeAnthropic.start();
        cluster = new PodCluster(model.baseUrl(), true);
        cluster.runShimsWithPodPaths(TestServer.claudeBin());
        // why: the server's client configures itself (KubernetesSandboxProvider.connect); these point it at the mock
        System.setProperty("kubernetes.master", cluster.client.getMasterUrl().toString());
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.namespace", PodCluster.NAMESPACE);
        gatewayPort = freePort();
        server = TestServer.start(Files.createDirectories(temp.resolve("data")), model, Map.of(
                "MAGNET_SANDBOX", "kubernetes",
                "MAGNET_KUBERNETES_NAMESPACE", PodCluster.NAMESPACE,
                "MAGNET_KUBERNETES_AGENT_IMAGE", PodCluster.AGENT_IMAGE,
                "MAGNET_KUBERNETES_GATEWAY", "127.0.0.1:" + gatewayPort,
                "MAGNET_KUBERNETES_GATEWAY_PORT", Integer.toString(gatewayPort),
                "MAGNET_KUBERNETES_GATEWAY_BIND", "127.0.0.1",
                "MAGNET_SECRET_KEY", "the-shared-secret-of-this-test-install"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        cluster.close();
        model.close();
        CLIENT_PROPERTIES.forEach(System::clearProperty);
    }

    @Test
    void a_pod_lost_mid_turn_is_replaced_and_the_agent_resumes_in_it_with_its_workspace_and_the_session_completes_once() {
        model.script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "echo before-the-loss > note.txt; touch started; sleep 120",
                        "description", "a long step")),
                Turn.reply().toolUse("Bash", Map.of("command", "cat note.txt; echo resumed", "description", "check")),
                Turn.reply().text("Done.")));
        String id = server.createSession(Map.of("prompt", "Work on it")).path("id").asText();
        Path volume = cluster.dir.resolve(PodSpecs.volumeName(id));
        Awaitility.await().atMost(TIMEOUT).until(() -> Files.exists(volume.resolve("workspace").resolve("started")));

        cluster.client.pods().inNamespace(PodCluster.NAMESPACE).withName(PodSpecs.podName(id, 1)).delete();

        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(done.path("failure").isNull()).isTrue();
        assertThat(model.awaitRequestMentioning("The machine your session ran on was lost", Duration.ofSeconds(5)).isMain()).isTrue();
        List<JsonNode> events = events(id);
        EventChecks.assertWhole(id, events);
        assertThat(EventChecks.values(events, "error", "message")).singleElement().asString()
                .contains("sandbox was lost", "deleted", "1 of 3");
        assertThat(EventChecks.values(events, "tool_result", "output")).last().asString().contains("before-the-loss", "resumed");
        assertThat(EventChecks.count(events, "user_message")).isEqualTo(1);
        assertThat(EventChecks.values(events, "status", "reason")).filteredOn(r -> r.equals("sandbox ready")).hasSize(1);
        // the first pod's home survived in the volume: the agent resumed the same conversation there
        assertThat(volume.resolve("home").resolve(".claude")).isDirectory();
    }

    @Test
    void a_pod_killed_for_memory_mid_turn_fails_the_session_oom_killed_with_the_clusters_reason() {
        model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("command", "touch started; sleep 120", "description", "big")),
                Turn.reply().text("Never.")));
        String id = server.createSession(Map.of("prompt", "Use a lot of memory")).path("id").asText();
        Path volume = cluster.dir.resolve(PodSpecs.volumeName(id));
        Awaitility.await().atMost(TIMEOUT).until(() -> Files.exists(volume.resolve("workspace").resolve("started")));

        cluster.setStatus(PodSpecs.podName(id, 1), s -> new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Failed")
                .withContainerStatuses(new io.fabric8.kubernetes.api.model.ContainerStatusBuilder().withName(PodSpecs.AGENT_CONTAINER)
                        .withNewState().withNewTerminated().withReason("OOMKilled").withExitCode(137).endTerminated().endState().build())
                .build());

        JsonNode failed = server.awaitStatus(id, "failed", TIMEOUT);
        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("oom_killed");
        assertThat(failed.path("failure").path("message").asText()).contains("ran out of memory");
        EventChecks.assertWhole(id, events(id));
    }

    @Test
    void an_agent_looking_for_its_pods_token_finds_none_and_a_forged_one_gets_nothing_from_the_gateway() {
        String attack = String.join("\n",
                "envs() { for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$f\" 2>/dev/null; done; }",
                "gw=$(envs | sed -n 's/^SHIM_GATEWAY=//p' | head -1)",
                "tokens=$(envs | grep -c '^SHIM_TOKEN=')",
                "tf=$(envs | sed -n 's/^SHIM_TOKEN_FILE=//p' | head -1)",
                "if [ -e \"$tf\" ]; then file=present; else file=absent; fi",
                "exec 3<>/dev/tcp/${gw%:*}/${gw##*:}",
                "printf 'magnet-shim 2 control forged.1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA -\\n' >&3",
                "reply=$(timeout 10 head -c 100 <&3)",
                "echo \"gateway:${gw:+found} tokens:$tokens token-file:$file reply:[$reply]\"");
        model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("command", attack, "description", "steal")),
                Turn.reply().toolUse("Bash", Map.of("command", "echo still-here", "description", "check")),
                Turn.reply().text("Done.")));
        String id = server.createSession(Map.of("prompt", "Look around")).path("id").asText();

        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(done.path("failure").isNull()).isTrue();
        List<JsonNode> events = events(id);
        EventChecks.assertWhole(id, events);
        assertThat(EventChecks.values(events, "tool_result", "output"))
                .containsExactly("gateway:found tokens:0 token-file:absent reply:[]", "still-here");
        assertThat(EventChecks.count(events, "error")).isZero();
    }

    @Test
    void closing_the_server_closes_its_pod_gateway() throws IOException {
        try (java.net.Socket open = new java.net.Socket(InetAddress.getLoopbackAddress(), gatewayPort)) {
            assertThat(open.isConnected()).isTrue();
        }

        server.close();
        server = null;

        assertThatThrownBy(() -> new java.net.Socket(InetAddress.getLoopbackAddress(), gatewayPort).close())
                .isInstanceOf(java.net.ConnectException.class);
    }

    private List<JsonNode> events(String id) {
        List<JsonNode> events = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(events::add);
        return events;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
