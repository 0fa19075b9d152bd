package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hostile model fills the disk from inside the real sandbox: no single file gets past the disk limit, and
 * many files that together pass it stop the session ({@code sandbox_failed}, naming the limit and the size),
 * while the server and the next session carry on.
 */
class DiskLimitIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);
    private static final long LIMIT_MIB = 32;

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of(
            "MAGNET_SANDBOX_DISK_MB", Long.toString(LIMIT_MIB), "MAGNET_SANDBOX_DISK_CHECK_SECONDS", "1"));

    @Test
    void many_files_past_the_disk_limit_fail_the_session_and_the_next_session_runs_normally() throws IOException {
        TestServer server = magnet.server();
        // why: several files of 8 MiB each, so the limit on one file's size alone would never stop it; paced, so
        // that the writer is still at work when the watchdog looks (the CLI refuses sleep chains in shell commands)
        magnet.model().script(Script.of(
                bash("python3 -c 'import time\nfor i in range(1, 41):\n    open(f\"blob-{i}.bin\", \"wb\").write(bytes(8 << 20))\n"
                        + "    time.sleep(0.3)'; echo wrote-everything"),
                Turn.reply().text("Filled it.")));
        String filler = server.createSession(Map.of("prompt", "Fill the disk")).path("id").asText();
        JsonNode failed = server.awaitStatus(filler, "failed", TIMEOUT);

        assertThat(failed.path("failure").path("reason").asText()).isEqualTo("sandbox_failed");
        String message = failed.path("failure").path("message").asText();
        assertThat(message).contains("disk limit of " + LIMIT_MIB + " MiB").contains("MAGNET_SANDBOX_DISK_MB");
        Matcher took = Pattern.compile("took (\\d+(?:\\.\\d)?) MiB").matcher(message);
        assertThat(took.find()).as(message).isTrue();
        assertThat(Double.parseDouble(took.group(1))).as("the measured size").isGreaterThan(LIMIT_MIB);
        Path workspace = magnet.dir().resolve("data/sessions/" + filler + "/workspace");
        assertThat(workspace.resolve("blob-40.bin")).as("the writer was stopped").doesNotExist();
        assertThat(blobBytes(workspace)).as("stopped within a few seconds of passing the limit")
                .isGreaterThanOrEqualTo((LIMIT_MIB - 8) << 20).isLessThan(160L << 20);
        assertThat(server.get("/health/live").status()).isEqualTo(200);

        magnet.model().script(Script.of(
                bash("grep 'Max file size' /proc/self/limits; truncate -s 40M too-long.bin; echo truncate-rc=$?; "
                        + "dd if=/dev/zero of=far.bin bs=1 count=1 seek=40M; echo dd-rc=$?; echo still-fine"),
                Turn.reply().text("Done.")));
        String next = server.createSession(Map.of("prompt", "Carry on")).path("id").asText();
        JsonNode done = server.awaitStatus(next, "completed", TIMEOUT);

        assertThat(done.path("failure").isNull()).isTrue();
        String out = AdversarialAgentIT.toolOutputs(server, next).getFirst();
        assertThat(out).as("no single file may pass the limit").containsPattern("Max file size +33554432 +33554432 +bytes")
                .contains("truncate-rc=1").contains("dd-rc=153").contains("still-fine");
    }

    private static Turn bash(String command) {
        return Turn.reply().toolUse("Bash", Map.of("command", command, "description", "write", "timeout", 120000));
    }

    private static long blobBytes(Path workspace) throws IOException {
        try (Stream<Path> files = Files.list(workspace)) {
            long total = 0;
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("blob-")).toList()) {
                total += Files.size(f);
            }
            return total;
        }
    }
}
