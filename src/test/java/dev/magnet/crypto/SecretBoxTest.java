package dev.magnet.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
    @TempDir
    Path dir;

    @Test
    void a_sealed_secret_opens_with_the_same_server_secret_and_hides_the_plaintext() {
        SecretBox box = SecretBox.forServer(null, dir);
        String sealed = box.seal("ghp_verySecretToken123");
        assertThat(sealed).startsWith("v1:").doesNotContain("ghp_verySecretToken123");
        assertThat(SecretBox.forServer(null, dir).open(sealed)).isEqualTo("ghp_verySecretToken123");
        assertThat(box.seal("same")).isNotEqualTo(box.seal("same"));
    }

    @Test
    void another_server_secret_cannot_open_it() {
        String sealed = SecretBox.withSecret("first-server-secret-0123").seal("value");
        assertThatThrownBy(() -> SecretBox.withSecret("other-server-secret-0123").open(sealed))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("MAGNET_SECRET_KEY");
    }
}
