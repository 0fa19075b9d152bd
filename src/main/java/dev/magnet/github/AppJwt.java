package dev.magnet.github;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;

/**
 * Signs the short-lived JSON Web Tokens a GitHub App authenticates with (RS256, issued by the App id,
 * valid for nine minutes from a minute ago). The private key is PEM text as GitHub hands it out (PKCS#1,
 * {@code BEGIN RSA PRIVATE KEY}) or PKCS#8 ({@code BEGIN PRIVATE KEY}).
 */
final class AppJwt {
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    private final String appId;
    private final PrivateKey key;
    private final Clock clock;

    AppJwt(String appId, String pem, Clock clock) {
        if (appId == null || !appId.strip().matches("[0-9]{1,20}")) {
            throw new GitHubException(GitHubException.Kind.NOT_CONFIGURED, "the GitHub App id must be a number, was '" + appId + "'");
        }
        this.appId = appId.strip();
        this.key = privateKey(pem);
        this.clock = clock;
    }

    /** A fresh JWT for the App. */
    String create() {
        Instant now = clock.instant();
        // why: GitHub rejects tokens issued "in the future"; backdating a minute absorbs clock drift (GitHub docs)
        String header = URL.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = URL.encodeToString(("{\"iat\":" + (now.getEpochSecond() - 60) + ",\"exp\":"
                + (now.getEpochSecond() + 540) + ",\"iss\":\"" + appId + "\"}").getBytes(StandardCharsets.UTF_8));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + URL.encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new GitHubException(GitHubException.Kind.NOT_CONFIGURED, "the GitHub App key cannot sign: " + e.getMessage());
        }
    }

    /** Reads an RSA private key from PEM text (PKCS#1 or PKCS#8). */
    static PrivateKey privateKey(String pem) {
        if (pem == null || !pem.contains("-----BEGIN")) {
            throw new GitHubException(GitHubException.Kind.NOT_CONFIGURED, "the GitHub App private key is not PEM text");
        }
        boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            byte[] pkcs8 = pkcs1 ? wrapPkcs1(der) : der;
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new GitHubException(GitHubException.Kind.NOT_CONFIGURED,
                    "the GitHub App private key cannot be read (expected an RSA key in PEM): " + e.getMessage());
        }
    }

    /**
     * Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo, which is what the JDK reads:
     * SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, NULL }, OCTET STRING { pkcs1 } }.
     */
    private static byte[] wrapPkcs1(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
                0x01, 0x05, 0x00};
        byte[] octets = tagged(0x04, pkcs1);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(version);
        body.writeBytes(algorithm);
        body.writeBytes(octets);
        return tagged(0x30, body.toByteArray());
    }

    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write((length >>> (8 * i)) & 0xff);
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
