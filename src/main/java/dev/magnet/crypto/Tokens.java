package dev.magnet.crypto;

import java.security.SecureRandom;
import java.util.Base64;

/** Random secrets given out as text: API keys, sign-in tokens, relay tokens, OpenID Connect state. */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Tokens() {
    }

    /** A random URL-safe text (base64url, no padding) of {@code bytes} bytes of entropy. */
    public static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
