package dev.magnet.github;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Signs the short-lived JSON Web Tokens a GitHub App authenticates with (RS256 by Nimbus JOSE+JWT, issued by the
 * App id, valid for nine minutes from a minute ago). The private key is PEM text as GitHub hands it out (PKCS#1,
 * {@code BEGIN RSA PRIVATE KEY}) or PKCS#8 ({@code BEGIN PRIVATE KEY}), read with Bouncy Castle's PEM and ASN.1
 * classes.
 */
final class AppJwt {
    // why: GitHub rejects tokens issued "in the future" and tokens valid longer than ten minutes (GitHub docs)
    private static final Duration BACKDATE = Duration.ofMinutes(1);
    private static final Duration LIFETIME = Duration.ofMinutes(10);

    private final String appId;
    private final RSASSASigner signer;
    private final Clock clock;

    AppJwt(String appId, String pem, Clock clock) {
        if (appId == null || !appId.strip().matches("[0-9]{1,20}")) {
            throw new GitHubException(GitHubException.Kind.NOT_CONFIGURED, "the GitHub App id must be a number, was '" + appId + "'");
        }
        this.appId = appId.strip();
        this.signer = new RSASSASigner(privateKey(pem));
        this.clock = clock;
    }

    /** A fresh JWT for the App. */
    String create() {
        Instant issued = clock.instant().minus(BACKDATE);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(appId)
                .issueTime(Date.from(issued))
                .expirationTime(Date.from(issued.plus(LIFETIME)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new GitHubException(GitHubException.Kind.NOT_CONFIGURED, "the GitHub App key cannot sign: " + e.getMessage());
        }
        return jwt.serialize();
    }

    /**
     * Reads an RSA private key from PEM text (PKCS#1 or PKCS#8).
     *
     * @throws GitHubException NOT_CONFIGURED saying what is wrong with the text
     */
    static PrivateKey privateKey(String pem) {
        if (pem == null || !pem.contains("-----BEGIN")) {
            throw new GitHubException(GitHubException.Kind.NOT_CONFIGURED, "the GitHub App private key is not PEM text");
        }
        try (PemReader reader = new PemReader(new StringReader(pem))) {
            PemObject object = reader.readPemObject();
            if (object == null) {
                throw new IOException("no PEM block");
            }
            byte[] pkcs8 = switch (object.getType()) {
                case "RSA PRIVATE KEY" -> new PrivateKeyInfo(
                        new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                        RSAPrivateKey.getInstance(object.getContent())).getEncoded();
                case "PRIVATE KEY" -> object.getContent();
                default -> throw new IOException("a PEM block of type " + object.getType() + ", not a private key");
            };
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new GitHubException(GitHubException.Kind.NOT_CONFIGURED,
                    "the GitHub App private key cannot be read (expected an RSA key in PEM): " + e.getMessage());
        }
    }
}
