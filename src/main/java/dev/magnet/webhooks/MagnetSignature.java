package dev.magnet.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Magnet-Signature} header of an outgoing delivery: {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<body>")>}. The timestamp is signed with the body, so a receiver that refuses old timestamps refuses replays.
 */
public final class MagnetSignature {
    public static final String HEADER = "Magnet-Signature";

    private MagnetSignature() {
    }

    /** The header's value for {@code body} sent at {@code unixSeconds}. */
    public static String sign(String secret, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(hmac(secret, unixSeconds, body));
    }

    /**
     * Whether {@code header} is a valid signature of {@code body} made at most {@code toleranceSeconds} from
     * {@code nowSeconds} (what a receiver does; documented in docs/webhooks.md).
     */
    public static boolean verify(String secret, String header, byte[] body, long nowSeconds, long toleranceSeconds) {
        if (header == null) {
            return false;
        }
        Long t = null;
        byte[] given = null;
        for (String part : header.split(",")) {
            String p = part.strip();
            try {
                if (p.startsWith("t=")) {
                    t = Long.parseLong(p.substring(2));
                } else if (p.startsWith("v1=")) {
                    given = HexFormat.of().parseHex(p.substring(3));
                }
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        if (t == null || given == null || Math.abs(nowSeconds - t) > toleranceSeconds) {
            return false;
        }
        // why: a constant-time comparison, so timing does not reveal how much of a forged signature was right
        return MessageDigest.isEqual(hmac(secret, t, body), given);
    }

    private static byte[] hmac(String secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }
}
