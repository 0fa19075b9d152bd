package dev.magnet.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxSpec;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the cluster reports about a session's pod, set by hand in fabric8's mock API server (CRUD mode) as a kubelet or
 * the scheduler would, reaches the sandbox through the pod watch as a typed failure with the pod's own reason.
 */
class PodFailuresTest {
    private PodCluster cluster;
    private KubernetesSandboxProvider provider;
    @TempDir
    Path temp;

    @BeforeEach
    void start(org.junit.jupiter.api.TestInfo test) throws Exception {
        // why: tests of pods that never run set their statuses by hand; the others have the fake kubelet run their shim
        boolean neverRuns = test.getTestMethod().orElseThrow().getName().matches("an_image.*|a_pod_no_node.*");
        cluster = new PodCluster("http://127.0.0.1:9", !neverRuns);
        provider = cluster.provider();
    }

    @AfterEach
    void stop() {
        cluster.close();
    }

    @Test
    void an_image_that_cannot_be_pulled_fails_the_sandbox_with_image_pull_and_the_kubelets_reason() {
        CompletableFuture<Sandbox> made = create("s-pull");
        String pod = awaitPod("s-pull");

        cluster.setStatus(pod, s -> new PodStatusBuilder().withPhase("Pending").withContainerStatuses(new ContainerStatusBuilder()
                .withName("agent").withImage("docker.io/library/debian:bookworm-slim").withNewState().withNewWaiting()
                .withReason("ImagePullBackOff").withMessage("Back-off pulling image").endWaiting().endState().build()).build());

        assertThat(made).failsWithin(Duration.ofSeconds(60)).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(PodFailedException.class, e -> {
                    assertThat(e.kind()).isEqualTo("IMAGE_PULL");
                    assertThat(e.failure()).isEqualTo(dev.magnet.sandbox.SandboxFailure.IMAGE_PULL_FAILED);
                    assertThat(e.reason()).isEqualTo("ImagePullBackOff");
                    assertThat(e.getMessage()).contains("could not be pulled", "debian:bookworm-slim", "Back-off pulling image");
                });
    }

    @Test
    void a_pod_no_node_can_take_fails_as_unschedulable_with_the_schedulers_message() {
        CompletableFuture<Sandbox> made = create("s-big");
        String pod = awaitPod("s-big");

        cluster.setStatus(pod, s -> new PodStatusBuilder().withPhase("Pending").withConditions(new PodConditionBuilder()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/3 nodes are available: 3 Insufficient memory.").build()).build());

        assertThat(made).failsWithin(Duration.ofSeconds(60)).withThrowableThat().havingRootCause()
                .isInstanceOfSatisfying(PodFailedException.class, e -> {
                    assertThat(e.kind()).isEqualTo("UNSCHEDULABLE");
                    assertThat(e.failure()).isEqualTo(dev.magnet.sandbox.SandboxFailure.UNSCHEDULABLE);
                    assertThat(e.getMessage()).contains("3 Insufficient memory");
                });
    }

    @Test
    void an_eviction_of_a_running_pod_is_seen_with_its_reason_and_the_next_process_gets_a_new_pod() {
        KubernetesSandbox sandbox = running("s-evict");
        String first = sandbox.podName();

        cluster.setStatus(first, s -> new PodStatusBuilder().withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: ephemeral-storage.").build());

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.state() instanceof PodState.Failure);
        PodState.Failure f = (PodState.Failure) sandbox.state();
        assertThat(f.kind()).isEqualTo(PodState.Kind.EVICTED);
        assertThat(sandbox.losses()).singleElement().satisfies(l -> assertThat(l.failure())
                .isEqualTo(dev.magnet.sandbox.SandboxFailure.EVICTED));
        assertThat(f.describe()).contains("evicted", "low on resource: ephemeral-storage");
        // why: the shim-less mock has no pod to answer; a new pod is asked for before any process starts
        CompletableFuture<Void> next = CompletableFuture.runAsync(() -> sandbox.start(java.util.List.of("true"), java.util.Map.of()));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cluster.sessionPods().stream()
                .anyMatch(p -> !p.getMetadata().getName().equals(first)));
        assertThat(cluster.sessionPods()).extracting(p -> p.getMetadata().getName()).containsExactly(PodSpecs.podName("s-evict", 2));
        assertThat(sandbox.describe()).containsEntry("podsLost", 1).containsEntry("attempt", 2);
        next.cancel(true);
    }

    @Test
    void an_out_of_memory_kill_counts_as_a_memory_kill_of_the_sandbox() {
        KubernetesSandbox sandbox = running("s-oom");

        cluster.setStatus(sandbox.podName(), s -> new PodStatusBuilder().withPhase("Failed").withContainerStatuses(new ContainerStatusBuilder()
                .withName("agent").withNewState().withNewTerminated().withReason("OOMKilled").withExitCode(137).endTerminated()
                .endState().build()).build());

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.memoryKills() == 1);
        assertThat(((PodState.Failure) sandbox.state()).reason()).isEqualTo("OOMKilled");
    }

    @Test
    void a_deleted_pod_is_seen_as_deleted() {
        KubernetesSandbox sandbox = running("s-gone");

        cluster.client.pods().inNamespace(PodCluster.NAMESPACE).withName(sandbox.podName()).delete();

        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.state() instanceof PodState.Failure f
                && f.kind() == PodState.Kind.DELETED);
    }

    @Test
    void the_reconciler_deletes_the_pods_and_volumes_of_sessions_no_server_runs_and_keeps_the_others() {
        KubernetesSandbox mine = running("s-mine");
        KubernetesSandboxProvider other = cluster.provider();
        running(other, "s-live"); // a live session another server runs
        running(other, "s-orphan"); // a session that ended while no server watched
        other.close();

        var deleted = provider.reconcile(id -> id.equals("s-live"));

        assertThat(deleted).containsExactlyInAnyOrder(PodSpecs.podName("s-orphan", 1), PodSpecs.volumeName("s-orphan"));
        assertThat(cluster.sessionPods()).extracting(p -> p.getMetadata().getLabels().get(PodSpecs.SESSION))
                .containsExactlyInAnyOrder("s-mine", "s-live");
        assertThat(cluster.client.persistentVolumeClaims().inNamespace(PodCluster.NAMESPACE).list().getItems())
                .extracting(v -> v.getMetadata().getName())
                .containsExactlyInAnyOrder(PodSpecs.volumeName("s-mine"), PodSpecs.volumeName("s-live"));
        assertThat(mine.state()).isInstanceOf(PodState.Running.class);
    }

    @Test
    void a_new_server_finds_a_sessions_running_pod_by_its_labels_and_adopts_it() {
        KubernetesSandbox before = running("s-adopt");
        String pod = before.podName();
        before.release(); // the server that made it died

        KubernetesSandboxProvider restarted = cluster.provider();
        SandboxSpec spec = spec("s-adopt");
        KubernetesSandbox after = (KubernetesSandbox) restarted.create(spec); // its shim dials in again

        assertThat(after.podName()).isEqualTo(pod);
        assertThat(after.keepsWorkspace()).isTrue();
        assertThat(cluster.sessionPods()).hasSize(1);
    }

    @Test
    void a_running_pod_of_an_earlier_version_whose_shim_cannot_be_served_is_replaced_not_adopted() {
        Pod old = PodSpecs.sessionPod(cluster.settings(), "s-old", 1, "host", cluster.settings().defaultImage(), PodCluster.limits(),
                cluster.tokens.issue("s-old", 1));
        old.getSpec().getContainers().getFirst().getEnv().removeIf(e -> e.getName().equals("SHIM_TOKEN_FILE"));
        cluster.client.pods().inNamespace(PodCluster.NAMESPACE).resource(old).create();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> PodState.of(cluster.client.pods().inNamespace(PodCluster.NAMESPACE)
                .withName(old.getMetadata().getName()).get()) instanceof PodState.Running);

        KubernetesSandbox sandbox = running("s-old");

        assertThat(sandbox.podName()).isEqualTo(PodSpecs.podName("s-old", 2));
        assertThat(cluster.sessionPods()).extracting(p -> p.getMetadata().getName()).containsExactly(PodSpecs.podName("s-old", 2));
    }

    private KubernetesSandbox running(String session) {
        return running(provider, session);
    }

    private KubernetesSandbox running(KubernetesSandboxProvider by, String session) {
        SandboxSpec spec = spec(session);
        return (KubernetesSandbox) by.create(spec);
    }

    private CompletableFuture<Sandbox> create(String session) {
        SandboxSpec spec = spec(session);
        return CompletableFuture.supplyAsync(() -> provider.create(spec));
    }

    private SandboxSpec spec(String session) {
        try {
            Path d = Files.createDirectories(temp.resolve(session));
            return new SandboxSpec(session, Files.createDirectories(d.resolve("w")), Files.createDirectories(d.resolve("h")),
                    Files.createDirectories(d.resolve("t")), Files.createDirectories(d.resolve("r")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String awaitPod(String session) {
        return Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cluster.sessionPods().stream()
                .filter(p -> session.equals(p.getMetadata().getLabels().get(PodSpecs.SESSION)))
                .map(Pod::getMetadata).map(m -> m.getName()).findFirst().orElse(null), n -> n != null);
    }
}
