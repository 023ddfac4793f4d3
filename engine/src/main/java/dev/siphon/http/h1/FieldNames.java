package dev.siphon.http.h1;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Lower-cases header field names, returning one shared String for the names browsers and
 * clients send most, so a typical request allocates no name strings. Immutable after class
 * initialisation; any thread.
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
    private static final int MASK = 255;
    private static final String[] TABLE = new String[MASK + 1];
    private static final byte[][] TABLE_BYTES = new byte[MASK + 1][];

    static {
        for (String name : COMMON) {
            byte[] b = name.getBytes(StandardCharsets.US_ASCII);
            int i = hash(b, 0, b.length) & MASK;
            while (TABLE[i] != null) {
                i = (i + 1) & MASK;
            }
            TABLE[i] = name;
            TABLE_BYTES[i] = b;
        }
    }

    private FieldNames() {}

    private static int hash(byte[] lower, int off, int len) {
        int h = len;
        for (int i = off; i < off + len; i++) {
            h = 31 * h + lower[i];
        }
        return h ^ (h >>> 16);
    }

    /**
     * The lower-case name of {@code b[off, off+len)}, which the parser has checked to be a token.
     * {@code scratch} must hold at least {@code len} bytes.
     */
    static String lowerCase(byte[] b, int off, int len, byte[] scratch) {
        for (int i = 0; i < len; i++) {
            byte c = b[off + i];
            scratch[i] = (c >= 'A' && c <= 'Z') ? (byte) (c + 32) : c;
        }
        int i = hash(scratch, 0, len) & MASK;
        for (String s; (s = TABLE[i]) != null; i = (i + 1) & MASK) {
            byte[] k = TABLE_BYTES[i];
            if (k.length == len && Arrays.equals(k, 0, len, scratch, 0, len)) {
                return s;
            }
        }
        return new String(scratch, 0, len, StandardCharsets.ISO_8859_1);
    }
}
