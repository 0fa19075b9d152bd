package dev.magnet.environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sandbox images (issue 11): the default image that {@code ./magnet} builds has the toolchains; a setup script, root
 * inside, installs into the session's own layer; a hostile agent that tries to change the image changes only its
 * layer, and the next session sees the image as built, which is unchanged on the host. Unknown images are a 400.
 */
class ImagesIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(240);
    private static final Path IMAGE = Path.of(System.getenv().getOrDefault("MAGNET_IMAGES_DIR", "/var/lib/magnet/images"),
            "default", "rootfs");

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension(Map.of());

    @Test
    void an_environment_may_name_host_or_a_built_image_and_an_unknown_image_is_refused() {
        TestServer server = magnet.server();
        TestServer.Response unknown = server.post("/api/environments", Map.of("name", "u", "image", "no-such-image"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body()).contains("image").contains("no-such-image").contains("default").contains("host");

        String id = createEnvironment(server, "host", null);
        assertThat(server.get("/api/environments/" + id).json().path("image").asText()).isEqualTo("host");
        TestServer.Response patched = server.patch("/api/environments/" + id, Map.of("image", "nope"));
        assertThat(patched.status()).isEqualTo(400);
        assertThat(server.patch("/api/environments/" + id, Map.of("image", "default")).status()).isEqualTo(200);
    }

    @Test
    void setup_installs_into_the_session_s_layer_and_an_agent_that_attacks_the_image_changes_only_its_own_layer() throws Exception {
        TestServer server = magnet.server();
        String rgBefore = sha256(IMAGE.resolve("usr/bin/rg"));
        String setup = String.join("\n",
                "echo \"setup-uid=$(id -u)\"",
                "printf '#!/bin/sh\\necho installed-by-setup\\n' > /usr/local/bin/from-setup && chmod 755 /usr/local/bin/from-setup",
                "echo configured > /etc/magnet-setup.conf",
                "python3 -m venv \"$HOME/venv\" && echo venv-ok");
        String envId = createEnvironment(server, "default", setup);
        String attack = String.join("; ",
                "id -u",
                "for t in git curl gcc make python3 node npm java mvn rg; do command -v $t >/dev/null && echo have-$t; done",
                "from-setup; cat /etc/magnet-setup.conf; test -x \"$HOME/venv/bin/python\" && echo venv-there",
                "rm -f /usr/bin/python3 && echo removed-python",
                "echo pwned > /usr/bin/rg && echo overwrote-rg",
                "touch /usr/lib/attacker-marker && echo marked",
                "ls " + IMAGE + " 2>&1 | head -1",
                "mount -o remount,rw / 2>&1 | head -1; echo remount-rc=${PIPESTATUS[0]}",
                "umount -l / 2>&1 | head -1; echo umount-rc=${PIPESTATUS[0]}");
        magnet.model().script(Script.of(Turn.reply().toolUse("Bash", Map.of("command", attack, "description", "attack")),
                Turn.reply().text("Done.")));

        String first = server.createSession(Map.of("prompt", "Attack the image", "environmentId", envId)).path("id").asText();
        JsonNode done = server.awaitStatus(first, "completed", TIMEOUT);
        assertThat(done.path("failure").isNull()).as(done.toString()).isTrue();
        assertThat(text(events(server, first), "setup_output")).contains("setup-uid=0").contains("venv-ok");
        String out = text(events(server, first), "tool_result");
        for (String tool : List.of("git", "curl", "gcc", "make", "python3", "node", "npm", "java", "mvn", "rg")) {
            assertThat(out).contains("have-" + tool);
        }
        assertThat(out).contains("installed-by-setup").contains("configured").contains("venv-there")
                .contains("removed-python").contains("overwrote-rg").contains("marked")
                .contains("No such file").doesNotContain("remount-rc=0").doesNotContain("umount-rc=0");
        assertThat(events(server, first)).anySatisfy(e -> assertThat(e.path("data").path("sandbox").path("image").asText())
                .isEqualTo("default"));

        assertThat(IMAGE.resolve("usr/bin/python3")).exists();
        assertThat(sha256(IMAGE.resolve("usr/bin/rg"))).isEqualTo(rgBefore);
        assertThat(IMAGE.resolve("usr/lib/attacker-marker")).doesNotExist();
        assertThat(IMAGE.resolve("usr/local/bin/from-setup")).doesNotExist();
        assertThat(IMAGE.resolve("etc/magnet-setup.conf")).doesNotExist();
        Path layer = server.dataDir().resolve("sessions").resolve(first).resolve("layer");
        assertThat(layer.resolve("upper/usr/local/bin/from-setup")).as("in the session's own layer").exists();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(layer.toString()));

        magnet.model().script(Script.of(Turn.reply().toolUse("Bash", Map.of("command",
                        "python3 --version; rg --version | head -1; ls /usr/lib/attacker-marker /usr/local/bin/from-setup 2>&1",
                        "description", "look")), Turn.reply().text("Done.")));
        String second = server.createSession(Map.of("prompt", "Look", "environmentId", createEnvironment(server, "default", null)))
                .path("id").asText();
        server.awaitStatus(second, "completed", TIMEOUT);
        String seen = text(events(server, second), "tool_result");
        assertThat(seen).contains("Python 3").contains("ripgrep").doesNotContain("pwned");
        assertThat(seen).contains("cannot access '/usr/lib/attacker-marker'").contains("cannot access '/usr/local/bin/from-setup'");
        assertThat(server.get("/health/live").status()).isEqualTo(200);
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static String createEnvironment(TestServer server, String image, String setupScript) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "img-" + System.nanoTime());
        body.put("image", image);
        body.put("setupScript", setupScript);
        TestServer.Response created = server.post("/api/environments", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().path("id").asText();
    }

    static List<JsonNode> events(TestServer server, String id) {
        List<JsonNode> events = new ArrayList<>();
        server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events").forEach(events::add);
        return events;
    }

    static String text(List<JsonNode> events, String type) {
        StringBuilder out = new StringBuilder();
        events.stream().filter(e -> e.path("type").asText().equals(type)).forEach(e -> out.append(e.path("data")).append('\n'));
        return out.toString();
    }
}
