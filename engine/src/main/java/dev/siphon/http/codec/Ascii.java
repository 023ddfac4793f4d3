package dev.siphon.http.codec;

/**
 * ASCII digits as the address, port and authority parsers read them: {@code Character.digit}
 * would also take the digits of other scripts, and a port is one rule wherever it is written
 * ({@code listen}, {@code Host}, {@code :authority}, {@code X-Forwarded-For}). Stateless; any
 * thread.
 */
public final class Ascii {
    /** The largest TCP port. */
    public static final int MAX_PORT = 65_535;

    private Ascii() {
    }

    /** The value of hex digit {@code c} (0-9, a-f, A-F), or -1. */
    public static int hexDigit(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** The value of {@code s} from {@code from} to its end: 1 to {@code maxDigits} decimal digits; else -1. */
    public static int decimal(String s, int from, int maxDigits) {
        int n = s.length() - from;
        if (n <= 0 || n > maxDigits) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The port {@code s} holds from {@code from} to its end: 1 to 5 digits, at most 65535; else -1. */
    public static int port(String s, int from) {
        int v = decimal(s, from, 5);
        return v <= MAX_PORT ? v : -1;
    }
}
