package dev.magnet.environment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Setup scripts run as root inside the sandbox (issue 11): root there is the sandbox's unprivileged account outside.
 * A hostile setup script, as that root, tries to write host folders, read host secrets, mount, reach Magnet's API,
 * chown and chmod host files and plant a setuid binary; on the host nothing leaked or changed, every file it left
 * belongs to the sandbox account, and the agent afterwards runs as the unprivileged account again.
 */
class SetupAsRootIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of());

    @Test
    void a_setup_script_is_root_inside_but_nothing_of_the_host_leaks_or_changes() throws Exception {
        TestServer server = magnet.server();
        Path data = server.dataDir();
        Path claude = TestServer.claudeBin().toRealPath();
        FileTime claudeModified = Files.getLastModifiedTime(claude);
        Object claudeOwner = Files.getAttribute(claude, "unix:uid");
        String secretKey = Files.exists(data.resolve("secret.key")) ? "present" : "absent";
        String port = Integer.toString(server.magnet().port());
        String script = String.join("\n",
                "set +e",
                "echo \"whoami=$(id -u):$(id -g)\"; grep CapEff /proc/self/status",
                "touch /usr/escape /etc/escape /opt/claude/bin/claude " + data.resolve("escape") + " 2>&1; echo write-rc=$?",
                "echo pwned >> /usr/bin/env 2>&1; echo append-rc=$?",
                "cat /etc/shadow " + data.resolve("secret.key") + " 2>&1; echo read-rc=$?; ls /root 2>&1; ls " + data + " 2>&1",
                "echo \"key-procs=$(for p in /proc/[0-9]*; do tr '\\0' '\\n' < $p/environ 2>/dev/null; done | grep -c 'sk-ant-''test')\"",
                "mkdir -p /tmp/m; mount -t tmpfs none /tmp/m 2>&1; echo mount-rc=$?; mount --bind /usr /tmp/m 2>&1; echo bind-rc=$?; unshare -m true 2>&1; echo unshare-rc=$?",
                "chown 0:0 /opt/claude/bin/claude 2>&1; echo chown-rc=$?; chmod 777 /usr/bin 2>&1; echo chmod-rc=$?",
                "chown -h 12345 /usr/bin/env 2>&1; echo chown-env-rc=$?",
                "(exec 3<>/dev/tcp/127.0.0.1/" + port + ") 2>&1; echo api-rc=$?",
                "curl -sS -m 5 -o /dev/null -w 'proxy=%{http_code}\\n' http://127.0.0.1:" + port + "/health/live 2>&1; echo proxy-rc=$?",
                "cp /bin/bash ./rootshell && chmod 4755 ./rootshell; echo setuid-rc=$?",
                "mkdir -p /home/agent/opt && echo from-setup > /home/agent/opt/marker; echo home-rc=$?",
                "echo setup-done");
        String envId = createEnvironment(server, script);
        magnet.model().script(Script.of(
                Turn.reply().toolUse("Bash", Map.of("command", "id -u; grep CapEff /proc/self/status; cat /home/agent/opt/marker; "
                        + "./rootshell -p -c 'id -u'", "description", "who am I")),
                Turn.reply().text("Done.")));

        String id = server.createSession(Map.of("prompt", "Probe", "environmentId", envId)).path("id").asText();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
        assertThat(done.path("failure").isNull()).as(done.toString()).isTrue();

        List<JsonNode> events = events(server, id);
        String setup = text(events, "setup_output");
        assertThat(setup).as("root inside the sandbox, with capabilities of its own namespace")
                .contains("whoami=0:0").doesNotContain("CapEff:\\t0000000000000000").contains("setup-done");
        assertThat(setup).contains("write-rc=1").contains("append-rc=1").contains("read-rc=1")
                .contains("mount-rc=32").contains("bind-rc=32").contains("unshare-rc=1").contains("chown-rc=1").contains("chmod-rc=1")
                .contains("chown-env-rc=1").contains("api-rc=1").doesNotContain("proxy=200").contains("home-rc=0");
        assertThat(setup).as("no process in reach holds the model key").contains("key-procs=0");
        assertThat(setup).doesNotContain(TestServer.MODEL_KEY);
        String agent = text(events, "tool_result");
        assertThat(agent).as("the agent runs as the sandbox account again, without capabilities")
                .contains("CapEff:\\t0000000000000000").contains("from-setup").doesNotContain("\\n0\\n");

        assertThat(data.resolve("escape")).doesNotExist();
        assertThat(Path.of("/usr/escape")).doesNotExist();
        assertThat(Path.of("/etc/escape")).doesNotExist();
        assertThat(Files.readString(Path.of("/usr/bin/env"), java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("pwned");
        assertThat(Files.getAttribute(Path.of("/usr/bin/env"), "unix:uid")).isEqualTo(0);
        assertThat(Files.getPosixFilePermissions(Path.of("/usr/bin"))).doesNotContain(PosixFilePermission.OTHERS_WRITE);
        assertThat(Files.getLastModifiedTime(claude)).isEqualTo(claudeModified);
        assertThat(Files.getAttribute(claude, "unix:uid")).isEqualTo(claudeOwner);
        assertThat(Files.exists(data.resolve("secret.key")) ? "present" : "absent").isEqualTo(secretKey);
        Path session = data.resolve("sessions").resolve(id);
        int sandboxUid = (int) Files.getAttribute(session.resolve("workspace"), "unix:uid");
        assertThat(sandboxUid).as("the workspace belongs to the unprivileged sandbox account").isNotZero();
        for (String folder : List.of("workspace", "home", "tmp")) {
            assertThat(ownersUnder(session.resolve(folder))).as("everything setup left in " + folder
                    + " belongs to the sandbox account, the setuid shell included").containsOnly(sandboxUid);
        }
        assertThat(server.get("/health/live").status()).isEqualTo(200);
    }

    private static List<Integer> ownersUnder(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(f -> {
                try {
                    return (Integer) Files.getAttribute(f, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    return -1;
                }
            }).distinct().toList();
        }
    }

    private static String createEnvironment(TestServer server, String setupScript) {
        TestServer.Response created = server.post("/api/environments", Map.of("name", "root-" + System.nanoTime(),
                "setupScript", setupScript));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("id").asText();
    }

    private static List<JsonNode> events(TestServer server, String id) {
        List<JsonNode> events = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(events::add);
        return events;
    }

    private static String text(List<JsonNode> events, String type) {
        StringBuilder out = new StringBuilder();
        events.stream().filter(e -> e.path("type").asText().equals(type)).forEach(e -> out.append(e.path("data")).append('\n'));
        return out.toString();
    }
}
