package dev.magnet.sandbox.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The gateway tokens of session pods: {@code <session>.<attempt>.<HMAC-SHA256>}, signed with a key every server of the
 * installation derives from the shared server secret. Any server can check a shim's token without having made its pod
 * (several replicas, a takeover), and a token names exactly one session and one pod generation: a pod of an earlier
 * attempt, or a token whose session was changed, is refused.
 */
public final class PodTokens {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private final SecretKeySpec key;

    /** @param key at least 32 bytes of key material, the same on every server */
    public PodTokens(byte[] key) {
        Objects.requireNonNull(key, "key");
        if (key.length < 32) {
            throw new IllegalArgumentException("a pod token key needs at least 32 bytes, got " + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    /** What a valid token stands for: one session's pod of one attempt. */
    public record Claim(String sessionId, int attempt) {
    }

    /** The token of the pod of {@code sessionId} at {@code attempt}. */
    public String issue(String sessionId, int attempt) {
        if (sessionId.isEmpty() || sessionId.contains(".") || sessionId.contains(" ") || attempt < 1) {
            throw new IllegalArgumentException("no pod token for session '" + sessionId + "' attempt " + attempt);
        }
        return sessionId + "." + attempt + "." + ENCODER.encodeToString(mac(sessionId, attempt));
    }

    /** The session and attempt a token was issued for, or empty when it is not one of ours (malformed or forged). */
    public Optional<Claim> verify(String token) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        int last = token.lastIndexOf('.');
        int middle = last <= 0 ? -1 : token.lastIndexOf('.', last - 1);
        if (middle <= 0) {
            return Optional.empty();
        }
        String session = token.substring(0, middle);
        String attemptText = token.substring(middle + 1, last);
        if (!attemptText.matches("[1-9][0-9]{0,8}") || session.contains(".")) {
            return Optional.empty();
        }
        int attempt = Integer.parseInt(attemptText);
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(token.substring(last + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return MessageDigest.isEqual(given, mac(session, attempt)) ? Optional.of(new Claim(session, attempt)) : Optional.empty();
    }

    private byte[] mac(String sessionId, int attempt) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(("magnet-pod-token/v1\n" + sessionId + "\n" + attempt).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }
}
