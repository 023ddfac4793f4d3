package dev.siphon.http.h1;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Lower-cases header field names, returning one shared String for the names browsers and
 * clients send most, so a typical request allocates no name strings. Immutable after class
 * initialisation; any thread.
 *
 * <p>The lookup is built for speed: the hash takes the length and the first and last bytes
 * (constant time, case-folded), and a candidate is compared first against its canonical
 * spelling ({@code User-Agent}, as HTTP/1.1 clients send it), then case-insensitively.
 */
final class FieldNames {
    private static final String[] COMMON = {
        "host", "user-agent", "accept", "accept-encoding", "accept-language", "accept-charset",
        "connection", "content-length", "content-type", "transfer-encoding", "expect", "cookie",
        "authorization", "cache-control", "pragma", "referer", "origin", "upgrade",
        "upgrade-insecure-requests", "if-none-match", "if-modified-since", "if-match", "range",
        "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id", "x-real-ip",
        "forwarded", "te", "trailer", "keep-alive", "dnt", "sec-fetch-dest", "sec-fetch-mode",
        "sec-fetch-site", "sec-fetch-user", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform",
        "priority", "content-encoding", "via", "date", "x-api-key", "x-csrf-token", "x-requested-with",
    };
    /** ASCII lower case of every byte value. */
    static final byte[] LOWER = new byte[256];
    private static final int MASK = 255;
    private static final String[] TABLE = new String[MASK + 1];
    private static final byte[][] LOWER_BYTES = new byte[MASK + 1][];
    private static final byte[][] CANONICAL_BYTES = new byte[MASK + 1][];

    static {
        for (int c = 0; c < 256; c++) {
            LOWER[c] = (byte) ((c >= 'A' && c <= 'Z') ? c + 32 : c);
        }
        for (String name : COMMON) {
            byte[] lower = name.getBytes(StandardCharsets.US_ASCII);
            int i = hash(lower, 0, lower.length);
            while (TABLE[i] != null) {
                i = (i + 1) & MASK;
            }
            TABLE[i] = name;
            LOWER_BYTES[i] = lower;
            CANONICAL_BYTES[i] = canonical(lower);
        }
    }

    private FieldNames() {}

    /** "user-agent" -> "User-Agent". */
    private static byte[] canonical(byte[] lower) {
        byte[] c = lower.clone();
        for (int i = 0; i < c.length; i++) {
            if ((i == 0 || c[i - 1] == '-') && c[i] >= 'a' && c[i] <= 'z') {
                c[i] -= 32;
            }
        }
        return c;
    }

    /** Table slot to start probing at for {@code b[off, off+len)}, case-folded. */
    private static int hash(byte[] b, int off, int len) {
        int h = len * 31 + LOWER[b[off] & 0xFF];
        h = h * 31 + LOWER[b[off + len - 1] & 0xFF];
        return (h ^ (h >>> 7)) & MASK;
    }

    /** The shared name for {@code b[off, off+len)} when it is a common one (any case), else null. */
    static String common(byte[] b, int off, int len) {
        for (int i = hash(b, off, len); TABLE[i] != null; i = (i + 1) & MASK) {
            byte[] k = LOWER_BYTES[i];
            if (k.length == len && (sameBytes(CANONICAL_BYTES[i], b, off) || equalsFolded(k, b, off))) {
                return TABLE[i];
            }
        }
        return null;
    }

    private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * {@code k} equals {@code b[off, off + k.length)}: eight bytes per step, then the tail. For
     * names of a few bytes this beats the vectorised compare's call overhead.
     */
    private static boolean sameBytes(byte[] k, byte[] b, int off) {
        int n = k.length;
        int j = 0;
        for (; j + 8 <= n; j += 8) {
            if ((long) WORD.get(k, j) != (long) WORD.get(b, off + j)) {
                return false;
            }
        }
        for (; j < n; j++) {
            if (k[j] != b[off + j]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The lower-case name of {@code b[off, off+len)}, which the parser has checked to be a
     * non-empty token. {@code scratch} (at least {@code len} bytes) builds an uncommon one.
     */
    static String lowerCase(byte[] b, int off, int len, byte[] scratch) {
        String known = common(b, off, len);
        if (known != null) {
            return known;
        }
        for (int i = 0; i < len; i++) {
            scratch[i] = LOWER[b[off + i] & 0xFF];
        }
        return new String(scratch, 0, len, StandardCharsets.ISO_8859_1);
    }

    private static boolean equalsFolded(byte[] lower, byte[] b, int off) {
        for (int j = 0; j < lower.length; j++) {
            if (lower[j] != LOWER[b[off + j] & 0xFF]) {
                return false;
            }
        }
        return true;
    }
}
