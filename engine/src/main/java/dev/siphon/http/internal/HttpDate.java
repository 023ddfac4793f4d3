package dev.siphon.http.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The IMF-fixdate of the current second (RFC 9110 §5.6.7), formatted at most once a second and
 * shared by every loop. Readers on any thread see a complete value: the pair is one immutable
 * object published through a volatile field.
 */
public final class HttpDate {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private record Stamp(long second, String text, byte[] bytes) {}

    private static volatile Stamp current = format(System.currentTimeMillis() / 1000);

    private HttpDate() {}

    private static Stamp format(long second) {
        String text = IMF_FIXDATE.format(Instant.ofEpochSecond(second));
        return new Stamp(second, text, text.getBytes(StandardCharsets.US_ASCII));
    }

    private static Stamp now() {
        long second = System.currentTimeMillis() / 1000;
        Stamp s = current;
        if (s.second != second) {
            s = format(second);
            current = s;
        }
        return s;
    }

    /** The date as US-ASCII bytes; callers must not modify the array. */
    public static byte[] bytes() {
        return now().bytes;
    }

    public static String text() {
        return now().text;
    }
}
