package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data dir is private to Magnet and seen by no sandbox. */
class DataDirTest {
    @TempDir
    Path dir;
    /** A stand-in for the Claude Code CLI, in a folder of its own: these checks only resolve its path. */
    Path claude;

    @BeforeEach
    void aClaudeBinary() throws IOException {
        claude = Files.writeString(Files.createDirectories(dir.resolve("cli/bin")).resolve("claude"), "#!/bin/sh\n");
    }

    @Test
    void a_missing_data_dir_is_created_with_mode_0700() throws IOException {
        Path data = dir.resolve("a/b/data");

        Path real = DataDir.makePrivate(data);

        assertThat(real).isEqualTo(data.toRealPath());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
    }

    @Test
    void an_existing_data_dir_others_could_read_becomes_0700() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));

        DataDir.makePrivate(data);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
    }

    @Test
    void a_shared_temporary_folder_or_the_root_folder_is_refused_and_left_as_it_was() throws IOException {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);

        assertThatThrownBy(() -> DataDir.makePrivate(shared)).isInstanceOf(SandboxException.class).hasMessageContaining("sticky");
        assertThat((Integer) Files.getAttribute(shared, "unix:mode") & 07777).isEqualTo(01777);
        assertThatThrownBy(() -> DataDir.makePrivate(Path.of("/"))).hasMessageContaining("root folder");
    }

    @Test
    void a_data_dir_that_belongs_to_another_account_is_refused() throws IOException {
        assumeThat(SandboxUser.serverIsRoot()).as("only root can give a folder away").isTrue();
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.setAttribute(data, "unix:uid", 12345);

        assertThatThrownBy(() -> DataDir.makePrivate(data)).hasMessageContaining("belongs to uid 12345").hasMessageContaining("chown");
    }

    @Test
    void a_data_dir_inside_a_folder_bound_into_the_sandbox_is_refused_by_its_real_path() throws IOException {
        Path usr = Files.createDirectories(dir.resolve("usr"));
        Path data = Files.createDirectories(usr.resolve("lib/magnet"));
        Path link = Files.createSymbolicLink(dir.resolve("looks-elsewhere"), data);

        assertThat(DataDir.overlaps(link.toRealPath(), Map.of(usr, "/usr (bound into every sandbox)"), List.of()))
                .singleElement().asString().contains("lies inside /usr");
        assertThat(DataDir.overlaps(usr, Map.of(usr, "/usr"), List.of())).as("the bound folder itself").hasSize(1);
        assertThat(DataDir.overlaps(dir.resolve("usr2"), Map.of(usr, "/usr"), List.of())).as("a name that only starts alike")
                .isEmpty();
    }

    @Test
    void the_real_system_folders_are_checked() {
        assertThatThrownBy(() -> DataDir.requireOutsideSandboxes(Path.of("/usr/share"), claude, List.of()))
                .isInstanceOf(SandboxException.class).hasMessageContaining("/usr/share lies inside /usr");
        assertThatThrownBy(() -> DataDir.requireOutsideSandboxes(Path.of("/etc/ssl/certs"), claude, List.of()))
                .hasMessageContaining("lies inside /etc/ssl");
    }

    @Test
    void a_data_dir_inside_a_toolchain_reached_through_a_link_is_refused() throws IOException {
        Path tools = Files.createDirectories(dir.resolve("opt/tools"));
        Path data = Files.createDirectories(tools.resolve("data"));
        Path toolsLink = Files.createSymbolicLink(dir.resolve("toolchain"), tools);

        assertThatThrownBy(() -> DataDir.requireOutsideSandboxes(data, claude, List.of(toolsLink)))
                .hasMessageContaining("lies inside " + toolsLink + " (really " + tools + ")");
    }

    @Test
    void a_toolchain_inside_the_data_dir_is_refused() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Path mirrors = Files.createDirectories(data.resolve("mirrors"));

        assertThatThrownBy(() -> DataDir.requireOutsideSandboxes(data, claude, List.of(mirrors)))
                .hasMessageContaining(mirrors + ", a toolchain").hasMessageContaining("lies inside the data dir");
    }

    @Test
    void a_data_dir_in_the_claude_binary_s_folder_or_a_missing_toolchain_is_refused() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("claude/bin"));
        Path claude = Files.writeString(bin.resolve("claude"), "#!/bin/sh\n");
        Path link = Files.createSymbolicLink(dir.resolve("claude-link"), claude);
        Path data = Files.createDirectories(bin.resolve("data"));

        assertThatThrownBy(() -> DataDir.requireOutsideSandboxes(data, link, List.of()))
                .hasMessageContaining("the folder of the Claude Code CLI");
        assertThatThrownBy(() -> DataDir.requireOutsideSandboxes(Files.createDirectories(dir.resolve("data")), claude,
                List.of(dir.resolve("no-such-toolchain")))).hasMessageContaining("no-such-toolchain (MAGNET_SANDBOX_TOOLCHAINS) does not exist");
    }

}
