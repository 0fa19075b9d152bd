package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptSourceTest {

    private static final InputStream NO_STDIN = InputStream.nullInputStream();

    @Test
    void a_prompt_given_as_text_is_used_as_is() {
        assertThat(PromptSource.of("fix the bug", null).read(NO_STDIN)).isEqualTo("fix the bug");
    }

    @Test
    void a_dash_reads_the_prompt_from_stdin() {
        InputStream stdin = new ByteArrayInputStream("add tests\nfor the parser\n".getBytes(StandardCharsets.UTF_8));

        assertThat(PromptSource.of("-", null).read(stdin)).isEqualTo("add tests\nfor the parser");
    }

    @Test
    void a_dash_as_prompt_file_reads_stdin_too() {
        InputStream stdin = new ByteArrayInputStream("from stdin".getBytes(StandardCharsets.UTF_8));

        assertThat(PromptSource.of(null, "-").read(stdin)).isEqualTo("from stdin");
    }

    @Test
    void a_prompt_file_is_read_as_utf_8(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("prompt.md"), "Übersetze die README\n", StandardCharsets.UTF_8);

        assertThat(PromptSource.of(null, file.toString()).read(NO_STDIN)).isEqualTo("Übersetze die README");
    }

    @Test
    void an_empty_prompt_is_refused() {
        assertThatThrownBy(() -> PromptSource.of(null, "-").read(new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(CliException.Usage.class)
                .hasMessage("the prompt is empty");
    }
}
