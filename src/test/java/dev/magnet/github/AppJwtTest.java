package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The GitHub App's JWT: RS256 over the App id, a minute backdated, ten minutes long, from either PEM form of the key. */
class AppJwtTest {
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private static KeyPair keys;

    @BeforeAll
    static void generate() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        keys = generator.generateKeyPair();
    }

    @Test
    void a_pkcs1_key_as_github_hands_it_out_signs_a_token_github_accepts() throws Exception {
        String pkcs1 = pem("RSA PRIVATE KEY", PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded()).parsePrivateKey()
                .toASN1Primitive().getEncoded());
        SignedJWT jwt = SignedJWT.parse(new AppJwt(" 4242 ", pkcs1, Clock.fixed(NOW, ZoneOffset.UTC)).create());

        assertThat(jwt.verify(new RSASSAVerifier((RSAPublicKey) keys.getPublic()))).isTrue();
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("4242");
        assertThat(jwt.getJWTClaimsSet().getIssueTime().toInstant()).isEqualTo(NOW.minusSeconds(60));
        assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(NOW.plusSeconds(540));
    }

    @Test
    void a_pkcs8_key_signs_the_same_way() throws Exception {
        String pkcs8 = pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        SignedJWT jwt = SignedJWT.parse(new AppJwt("4242", pkcs8, Clock.fixed(NOW, ZoneOffset.UTC)).create());
        assertThat(jwt.verify(new RSASSAVerifier((RSAPublicKey) keys.getPublic()))).isTrue();
    }

    @Test
    void a_key_that_is_not_an_rsa_private_key_in_pem_is_refused_with_what_is_wrong() {
        assertThatThrownBy(() -> AppJwt.privateKey("not a key")).isInstanceOf(GitHubException.class)
                .hasMessageContaining("not PEM text");
        assertThatThrownBy(() -> AppJwt.privateKey(pem("CERTIFICATE", new byte[] {1, 2, 3})))
                .hasMessageContaining("cannot be read").hasMessageContaining("CERTIFICATE");
        assertThatThrownBy(() -> AppJwt.privateKey(pem("RSA PRIVATE KEY", Base64.getDecoder().decode("MAMCAQA="))))
                .hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> new AppJwt("app", pem("PRIVATE KEY", keys.getPrivate().getEncoded()), Clock.systemUTC()))
                .hasMessageContaining("must be a number");
    }

    private static String pem(String type, byte[] der) {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject(type, der));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return text.toString();
    }
}
