package dev.magnet.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.magnet.crypto.SecretBox;
import org.junit.jupiter.api.Test;

/** Pod gateway tokens: any server with the shared secret checks them; each names one session's pod of one attempt. */
class PodTokensTest {
    private final PodTokens server1 = new PodTokens(SecretBox.withSecret("shared-secret-of-the-install").subkey("pod-gateway-tokens/v1"));
    private final PodTokens server2 = new PodTokens(SecretBox.withSecret("shared-secret-of-the-install").subkey("pod-gateway-tokens/v1"));

    @Test
    void a_token_one_server_issued_is_accepted_by_another_with_the_same_secret_for_exactly_its_session_and_attempt() {
        String token = server1.issue("0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6", 3);

        assertThat(server2.verify(token)).contains(new PodTokens.Claim("0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6", 3));
    }

    @Test
    void a_token_changed_in_its_session_or_attempt_or_signature_or_signed_with_another_secret_is_refused() {
        String token = server1.issue("s-a", 1);
        PodTokens otherInstall = new PodTokens(SecretBox.withSecret("another-installation-secret").subkey("pod-gateway-tokens/v1"));

        assertThat(server1.verify("s-b" + token.substring(3))).isEmpty();
        assertThat(server1.verify("s-a.2" + token.substring(5))).isEmpty();
        assertThat(server1.verify(token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A"))).isEmpty();
        assertThat(server1.verify(otherInstall.issue("s-a", 1))).isEmpty();
        assertThat(server1.verify("s-a.1.")).isEmpty();
        assertThat(server1.verify("garbage")).isEmpty();
        assertThat(server1.verify("a.b.c.d")).isEmpty();
        assertThat(server1.verify(null)).isEmpty();
    }

    @Test
    void the_pod_token_key_is_not_the_key_that_seals_secrets_at_rest() {
        SecretBox box = SecretBox.withSecret("shared-secret-of-the-install");

        assertThat(box.subkey("pod-gateway-tokens/v1")).hasSize(32).isNotEqualTo(box.subkey("another-use/v1"));
        assertThatThrownBy(() -> box.subkey("secrets-at-rest/v1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PodTokens(new byte[8])).isInstanceOf(IllegalArgumentException.class);
    }
}
