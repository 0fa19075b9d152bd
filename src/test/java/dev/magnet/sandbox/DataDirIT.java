package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server refuses a data dir a sandbox would see, before it opens anything there. */
class DataDirIT {
    @TempDir
    Path dir;

    @Test
    void the_server_does_not_start_on_a_data_dir_a_toolchain_holds_and_says_why() throws IOException {
        Path tools = Files.createDirectories(dir.resolve("tools"));
        Path data = tools.resolve("data");
        try (FakeAnthropic model = FakeAnthropic.start()) {
            assertThatThrownBy(() -> TestServer.start(data, model, Map.of("MAGNET_SANDBOX_TOOLCHAINS", tools.toString())))
                    .isInstanceOf(SandboxException.class).hasMessageContaining("Magnet will not start")
                    .hasMessageContaining("MAGNET_SANDBOX_TOOLCHAINS");
        }
        assertThat(data.resolve("db")).as("refused before the database opened").doesNotExist();
    }
}
