package dev.siphon.http.router;

import java.nio.charset.StandardCharsets;

/**
 * Percent-decoding (RFC 3986 §2.1) of path segments and query components into UTF-8 text.
 *
 * <p>Runs of {@code %XX} octets are decoded as UTF-8; every other character is copied as it
 * is. A non-ASCII character in the input is taken as text that was already decoded (a strict
 * HTTP/1.1 parser never lets one through, RFC 9112 §3.2). Input without {@code '%'} (and,
 * for queries, without {@code '+'}) comes back unchanged, without copying.
 *
 * <ul>
 *   <li>{@link #decodePath}: strict. {@code '+'} stays {@code '+'}; a {@code '%'} not followed
 *       by two hex digits, or octets that are not well-formed UTF-8 (RFC 3629 §4: no overlong
 *       forms, no surrogates, nothing above U+10FFFF), throw {@link IllegalArgumentException}.
 *       The router answers those with {@link RouteMatch.BadPath} (a 400).</li>
 *   <li>{@link #decodeQuery}: lenient, as browsers and Python's {@code urllib.parse} are.
 *       {@code '+'} is a space (HTML form encoding); a malformed {@code %} is kept literally;
 *       ill-formed UTF-8 becomes U+FFFD. Never throws.</li>
 * </ul>
 *
 * <p>Stateless; any thread.
 */
public final class PathDecoder {

    private PathDecoder() {}

    public static String decodePath(String s) {
        String decoded = decodePath(s, 0, s.length());
        if (decoded == null) {
            throw new IllegalArgumentException(pathError(s, 0, s.length()));
        }
        return decoded;
    }

    public static String decodeQuery(String s) {
        return decodeQuery(s, 0, s.length());
    }

    /** Decodes {@code s[from, to)}; {@code null} when malformed (see {@link #pathError}). */
    static String decodePath(String s, int from, int to) {
        int firstPercent = s.indexOf('%', from, to);
        if (firstPercent < 0) {
            return s.substring(from, to);
        }
        StringBuilder out = new StringBuilder(to - from);
        out.append(s, from, firstPercent);
        byte[] run = new byte[(to - firstPercent) / 3];
        int i = firstPercent;
        while (i < to) {
            char c = s.charAt(i);
            if (c != '%') {
                out.append(c);
                i++;
                continue;
            }
            int n = 0;
            while (i < to && s.charAt(i) == '%') {
                int octet = octetAt(s, i, to);
                if (octet < 0) {
                    return null;
                }
                run[n++] = (byte) octet;
                i += 3;
            }
            if (wellFormedUtf8Prefix(run, n) != n) {
                return null;
            }
            out.append(new String(run, 0, n, StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    /** Why {@link #decodePath(String, int, int)} returned {@code null}; off the hot path. */
    static String pathError(String s, int from, int to) {
        for (int i = s.indexOf('%', from, to); i >= 0; i = s.indexOf('%', i + 1, to)) {
            if (octetAt(s, i, to) < 0) {
                return "malformed percent-encoding at index " + (i - from);
            }
        }
        return "percent-encoded octets are not valid UTF-8";
    }

    static String decodeQuery(String s, int from, int to) {
        int first = from;
        while (first < to && s.charAt(first) != '%' && s.charAt(first) != '+') {
            first++;
        }
        if (first == to) {
            return s.substring(from, to);
        }
        StringBuilder out = new StringBuilder(to - from);
        out.append(s, from, first);
        byte[] run = null;
        int i = first;
        while (i < to) {
            char c = s.charAt(i);
            int octet = c == '%' ? octetAt(s, i, to) : -1;
            if (octet < 0) {
                out.append(c == '+' ? ' ' : c);
                i++;
                continue;
            }
            if (run == null) {
                run = new byte[(to - i) / 3];
            }
            int n = 0;
            while (octet >= 0) {
                run[n++] = (byte) octet;
                i += 3;
                octet = i < to && s.charAt(i) == '%' ? octetAt(s, i, to) : -1;
            }
            // The JDK decoder substitutes U+FFFD for each ill-formed sequence.
            out.append(new String(run, 0, n, StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    /** The octet encoded by {@code %XX} at {@code i}, or -1 if malformed. */
    private static int octetAt(String s, int i, int to) {
        if (i + 2 >= to) {
            return -1;
        }
        int hi = hex(s.charAt(i + 1));
        int lo = hex(s.charAt(i + 2));
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /**
     * Length of the longest well-formed prefix of {@code b[0, n)}, by the table of
     * RFC 3629 §4 (which excludes overlong forms and UTF-16 surrogates).
     */
    static int wellFormedUtf8Prefix(byte[] b, int n) {
        int i = 0;
        while (i < n) {
            int b0 = b[i] & 0xFF;
            int len;
            int lo = 0x80;
            int hi = 0xBF;
            if (b0 < 0x80) {
                i++;
                continue;
            } else if (b0 >= 0xC2 && b0 <= 0xDF) {
                len = 2;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                len = 3;
                if (b0 == 0xE0) {
                    lo = 0xA0;
                } else if (b0 == 0xED) {
                    hi = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                len = 4;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                return i;
            }
            if (i + len > n) {
                return i;
            }
            int b1 = b[i + 1] & 0xFF;
            if (b1 < lo || b1 > hi) {
                return i;
            }
            for (int k = 2; k < len; k++) {
                if ((b[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += len;
        }
        return n;
    }
}
