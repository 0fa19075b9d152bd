package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.config.MagnetConfig;
import dev.magnet.testing.ChildServer;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's own environment holds its secrets (model key, GitHub credentials, database URL, secret key). The
 * programs it starts on the host (git, chown) get none of them: wrappers first on the
 * server's {@code PATH} record the environment each one was started with.
 */
class HostChildEnvironmentIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    // why: fake values, written in parts so that secret scanners do not take them for real ones
    private static final String GITHUB_TOKEN = "github-" + "token-not-real-0123456789";
    private static final String SECRET_KEY = "magnet-" + "secret-key-not-real-42";

    @TempDir
    Path dir;

    @Test
    void programs_the_server_starts_on_the_host_never_see_its_secrets() throws Exception {
        Path origin = GitFixtures.bareOrigin(dir, 3);
        Path data = dir.resolve("data");
        Path wrappers = Files.createDirectories(dir.resolve("wrappers"));
        Path seen = dir.resolve("environments.txt");
        for (String program : List.of("git", "chown")) {
            String real = GitFixtures.which(program);
            Path wrapper = wrappers.resolve(program);
            Files.writeString(wrapper, "#!/bin/sh\n{ echo '--- " + program + "'; env; } >> " + seen + "\nexec " + real + " \"$@\"\n");
            wrapper.toFile().setExecutable(true, false);
        }
        String databaseUrl = MagnetConfig.h2UrlFor(data);
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("command",
                            "echo change > change.txt && git add -A && git commit -qm Change", "description", "commit")),
                    Turn.reply().text("Done.")));
            Map<String, String> settings = Map.of(
                    "PATH", wrappers + ":" + System.getenv("PATH"),
                    "MAGNET_GITHUB_TOKEN", GITHUB_TOKEN,
                    "MAGNET_SECRET_KEY", SECRET_KEY,
                    "MAGNET_DATABASE_URL", databaseUrl);
            try (ChildServer server = ChildServer.start(data, model, dir.resolve("server.log"), settings)) {
                String id = server.createSession(Map.of("prompt", "Change it", "repo", origin.toString())).path("id").asText();
                server.awaitStatus(id, "completed", TIMEOUT);
            }
        }
        String environments = Files.readString(seen);
        assertThat(environments).as("git ran on the host").contains("--- git");
        assertThat(environments).doesNotContain(TestServer.MODEL_KEY).doesNotContain(GITHUB_TOKEN)
                .doesNotContain(SECRET_KEY).doesNotContain(databaseUrl).doesNotContain("ANTHROPIC_")
                .doesNotContain("MAGNET_");
    }
}
