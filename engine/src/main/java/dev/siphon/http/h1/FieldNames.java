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
 * <p>The lookup reads the name eight bytes at a time: each word is case-folded at once by
 * setting bit 0x20 of every byte, the first and last words (with the length) pick the table
 * slot, and the same words, compared with the entry's, confirm it. The fold maps an ASCII
 * letter to its lower case, keeps {@code '-'}, and maps no other byte of 0x20 and above onto a
 * letter or {@code '-'}; the only other byte it maps onto one is CR (0x0D to {@code '-'}), so
 * the caller must pass a name without control bytes, as the parser's name scan guarantees.
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
    private static final VarHandle WORD = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long FOLD = 0x2020202020202020L;
    private static final int BITS = 8;
    private static final int MASK = (1 << BITS) - 1;
    /** Per slot: the name, its length, its first and last folded words, and the words between (or null). */
    private static final String[] TABLE = new String[MASK + 1];
    private static final int[] LENGTHS = new int[MASK + 1];
    private static final long[] FIRST = new long[MASK + 1];
    private static final long[] LAST = new long[MASK + 1];
    private static final long[][] MIDDLE = new long[MASK + 1][];
    private static final int MAX_LENGTH;

    static {
        for (int c = 0; c < 256; c++) {
            LOWER[c] = (byte) ((c >= 'A' && c <= 'Z') ? c + 32 : c);
        }
        int max = 0;
        for (String name : COMMON) {
            byte[] lower = name.getBytes(StandardCharsets.US_ASCII);
            int len = lower.length;
            max = Math.max(max, len);
            long first = first(lower, 0, len);
            long last = last(lower, 0, len);
            int i = slot(first, last, len);
            while (TABLE[i] != null) {
                i = (i + 1) & MASK;
            }
            TABLE[i] = name;
            LENGTHS[i] = len;
            FIRST[i] = first;
            LAST[i] = last;
            if (len > 16) {
                long[] middle = new long[(len - 9) / 8];
                for (int j = 0; j < middle.length; j++) {
                    middle[j] = folded(lower, 8 + 8 * j);
                }
                MIDDLE[i] = middle;
            }
        }
        MAX_LENGTH = max;
    }

    private FieldNames() {}

    /** The common names, lower case, for tests. */
    static java.util.List<String> commonNames() {
        return java.util.List.of(COMMON);
    }

    private static long folded(byte[] b, int off) {
        return (long) WORD.get(b, off) | FOLD;
    }

    /** The folded first word of {@code b[off, off+len)}, bytes past {@code len} zero. */
    private static long first(byte[] b, int off, int len) {
        if (len >= 8) {
            return folded(b, off);
        }
        if (off + 8 <= b.length) {
            return folded(b, off) & ((1L << (len << 3)) - 1);
        }
        long w = 0; // too near the end of the array for a word read
        for (int j = len - 1; j >= 0; j--) {
            w = w << 8 | (b[off + j] & 0xFF | 0x20);
        }
        return w;
    }

    /** The folded word ending the name when it is longer than one word, else 0. */
    private static long last(byte[] b, int off, int len) {
        return len > 8 ? folded(b, off + len - 8) : 0;
    }

    private static int slot(long first, long last, int len) {
        return (int) (((first ^ last * 31 ^ len) * 0x9E3779B97F4A7C15L) >>> (64 - BITS));
    }

    /**
     * The shared name for {@code b[off, off+len)} when it is a common one (any case), else null.
     * The bytes must be 0x20 or above (see the class comment).
     */
    static String common(byte[] b, int off, int len) {
        if (len > MAX_LENGTH) {
            return null;
        }
        long first = first(b, off, len);
        long last = last(b, off, len);
        for (int i = slot(first, last, len); TABLE[i] != null; i = (i + 1) & MASK) {
            if (FIRST[i] == first && LAST[i] == last && LENGTHS[i] == len
                    && (MIDDLE[i] == null || sameMiddle(MIDDLE[i], b, off))) {
                return TABLE[i];
            }
        }
        return null;
    }

    private static boolean sameMiddle(long[] middle, byte[] b, int off) {
        for (int j = 0; j < middle.length; j++) {
            if (middle[j] != folded(b, off + 8 + 8 * j)) {
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
}
