package dev.magnet.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The systemd unit of deploy/ runs Magnet as its own unprivileged account with settings the README documents. */
class SystemdUnitTest {
    private static final Pattern SETTING = Pattern.compile("^Environment=(MAGNET_[A-Z0-9_]+)=", Pattern.MULTILINE);

    @Test
    void the_unit_runs_as_magnet_with_a_private_data_dir_and_only_documented_settings() throws IOException {
        String unit = Files.readString(Path.of("deploy/magnet.service"));
        String readme = Files.readString(Path.of("README.md"));

        assertThat(unit).contains("\nUser=magnet\n", "\nStateDirectory=magnet\n", "\nStateDirectoryMode=0700\n",
                "Environment=MAGNET_DATA_DIR=/var/lib/magnet\n", "serve\n");
        assertThat(unit.lines().filter(l -> !l.startsWith("#")))
                .as("settings that would break bubblewrap's namespaces or run Magnet as root")
                .noneMatch(l -> l.startsWith("User=root") || l.startsWith("RestrictNamespaces=") || l.startsWith("PrivateUsers="));
        List<String> settings = SETTING.matcher(unit).results().map(r -> r.group(1)).toList();
        assertThat(settings).isNotEmpty().allSatisfy(s -> assertThat(readme).contains("`" + s + "`"));
    }
}
