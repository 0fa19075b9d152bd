package dev.magnet.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnet.web.InvalidRequestException;
import org.junit.jupiter.api.Test;

class PasswordsTest {

    @Test
    void a_hash_is_argon2id_salted_and_does_not_contain_the_password() {
        String hash = Passwords.hash("correct horse battery");
        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain("correct horse battery");
        assertThat(Passwords.hash("correct horse battery")).isNotEqualTo(hash);
    }

    @Test
    void the_right_password_verifies_and_a_wrong_one_does_not() {
        String hash = Passwords.hash("correct horse battery");
        assertThat(Passwords.verify("correct horse battery", hash)).isTrue();
        assertThat(Passwords.verify("correct horse batterY", hash)).isFalse();
        assertThat(Passwords.verify("", hash)).isFalse();
    }

    @Test
    void an_unreadable_or_missing_hash_never_verifies() {
        assertThat(Passwords.verify("x", null)).isFalse();
        assertThat(Passwords.verify("x", "plain-text")).isFalse();
        assertThat(Passwords.verify("x", "$argon2id$v=19$m=zz$AAAA$AAAA")).isFalse();
        assertThat(Passwords.verify("x", "$argon2i$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAA")).isFalse();
    }

    @Test
    void a_too_short_password_is_refused_naming_the_field() {
        assertThatThrownBy(() -> Passwords.requireAcceptable("short", "password"))
                .isInstanceOf(InvalidRequestException.class)
                .extracting(e -> ((InvalidRequestException) e).field()).isEqualTo("password");
    }
}
