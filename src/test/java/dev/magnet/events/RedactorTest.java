package dev.magnet.events;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactorTest {
    @Test
    void every_occurrence_of_a_known_secret_is_masked() {
        Redactor r = new Redactor();
        r.register("sk-ant-secret-123456");
        assertThat(r.redact("key=sk-ant-secret-123456 and again sk-ant-secret-123456"))
                .isEqualTo("key=[redacted] and again [redacted]");
    }

    @Test
    void short_values_are_not_treated_as_secrets() {
        Redactor r = new Redactor();
        r.register("abc");
        r.register(null);
        assertThat(r.redact("abc abc")).isEqualTo("abc abc");
    }
}
