package dev.magnet.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets kept at rest (integration credentials) with AES-256-GCM. The key is derived with
 * HMAC-SHA256 from the server secret: {@code MAGNET_SECRET_KEY} when set, else 32 random bytes kept in
 * {@code <dataDir>/secret.key} (created on first use, readable by the server's user only). Every replica of
 * one installation needs the same server secret.
 */
public final class SecretBox {
    private static final String PREFIX = "v1:";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final SecretKeySpec material;

    private SecretBox(byte[] keyMaterial) {
        try {
            this.material = new SecretKeySpec(keyMaterial, "HmacSHA256");
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(material);
            this.key = new SecretKeySpec(mac.doFinal("magnet/secrets-at-rest/v1".getBytes(StandardCharsets.UTF_8)), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }

    /**
     * A key of 32 bytes for another use of the server secret ({@code purpose} names it, e.g. the pod gateway's tokens),
     * derived with HMAC-SHA256 as the box's own key is: the same on every server that shares the secret, and telling
     * nothing about the box's key.
     */
    public byte[] subkey(String purpose) {
        if (purpose.startsWith("secrets-at-rest")) {
            throw new IllegalArgumentException("the key of secrets at rest is the box's own");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(material);
            return mac.doFinal(("magnet/" + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }

    /** A box keyed by the given server secret (at least 16 characters). */
    public static SecretBox withSecret(String serverSecret) {
        if (serverSecret == null || serverSecret.length() < 16) {
            throw new IllegalArgumentException("MAGNET_SECRET_KEY must be at least 16 characters long");
        }
        return new SecretBox(serverSecret.getBytes(StandardCharsets.UTF_8));
    }

    /** The server's box: keyed by {@code configuredSecret}, or by {@code <dataDir>/secret.key}, made if missing. */
    public static SecretBox forServer(String configuredSecret, Path dataDir) {
        if (configuredSecret != null) {
            return withSecret(configuredSecret);
        }
        Path file = dataDir.resolve("secret.key");
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(dataDir);
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Path partial = dataDir.resolve("secret.key.partial");
                Files.deleteIfExists(partial);
                Files.createFile(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(partial, Base64.getEncoder().encodeToString(fresh), StandardOpenOption.TRUNCATE_EXISTING);
                // why: written aside and moved, so a crash never leaves a half key that would lock secrets away
                Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            return new SecretBox(Base64.getDecoder().decode(Files.readString(file).strip()));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read or create the server secret " + file
                    + "; set MAGNET_SECRET_KEY instead", e);
        }
    }

    /** The sealed form of {@code plaintext} (null stays null): {@code v1:} and base64 of IV and ciphertext. */
    public String seal(String plaintext) {
        if (plaintext == null) {
            return null;
        }
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            byte[] out = Arrays.copyOf(iv, IV_BYTES + sealed.length);
            System.arraycopy(sealed, 0, out, IV_BYTES, sealed.length);
            return PREFIX + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * The plaintext of a value made by {@link #seal} (null stays null).
     *
     * @throws IllegalStateException when it was sealed with another server secret or was tampered with
     */
    public String open(String sealed) {
        if (sealed == null) {
            return null;
        }
        if (!sealed.startsWith(PREFIX)) {
            throw new IllegalStateException("not a value sealed by Magnet");
        }
        try {
            byte[] in = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
            return new String(cipher.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("a stored secret cannot be decrypted: it was sealed with another server "
                    + "secret (MAGNET_SECRET_KEY or <dataDir>/secret.key) or was changed", e);
        }
    }
}
