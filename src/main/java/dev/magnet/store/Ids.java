package dev.magnet.store;

import java.security.SecureRandom;
import java.util.UUID;

/** Time-sortable identifiers (UUIDv7): newer ids sort after older ones as strings. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static long lastMillis;
    private static long counter;

    private Ids() {
    }

    /** A new UUIDv7 in its canonical lower-case form; strictly increasing within this process. */
    public static String newId() {
        long millis;
        long seq;
        synchronized (Ids.class) {
            millis = System.currentTimeMillis();
            if (millis <= lastMillis) {
                millis = lastMillis;
                counter++;
                if (counter > 0xFFF) {
                    millis = ++lastMillis;
                    counter = 0;
                }
            } else {
                lastMillis = millis;
                counter = 0;
            }
            seq = counter;
        }
        long msb = (millis << 16) | 0x7000L | seq;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    /** True when {@code value} looks like an id this class makes (any UUID form), so lookups can 404 early. */
    public static boolean isWellFormed(String value) {
        return value != null && value.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }
}
