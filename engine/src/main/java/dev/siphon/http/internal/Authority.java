package dev.siphon.http.internal;

import dev.siphon.http.codec.Ascii;
import dev.siphon.http.codec.IpLiteral;

/**
 * The authority of a request's target as HTTP uses it: the HTTP/2 {@code :authority}
 * pseudo-header field and the {@code Host} field of both protocols (RFC 9110 §4.2, §7.2;
 * RFC 3986 §3.2):
 *
 * <pre>
 *   authority  = host [ ":" port ]
 *   host       = IP-literal / IPv4address / reg-name
 *   IP-literal = "[" IPv6address "]"
 *   reg-name   = 1*( unreserved / pct-encoded / sub-delims )
 *   port       = *DIGIT
 * </pre>
 *
 * <p>Stricter than RFC 3986 where HTTP is: no userinfo and its "@" (RFC 9110 §4.2.4 forbids
 * sending it, RFC 9113 §8.3.1 for {@code :authority}); a host is never empty (RFC 9110 §4.2.1:
 * an "http" URI with an empty host is invalid); a port is at most 65535. An IP-literal holds an
 * IPv6 address without a zone id: IPvFuture names no version in use, and RFC 6874 zone ids
 * mean nothing to a server. An IPv4 address is a reg-name by its characters, so it needs no
 * rule of its own. Percent-encoded octets must be complete ({@code %} and two hex digits).
 *
 * <p>Stateless; any thread.
 */
public final class Authority {
    private static final boolean[] REG_NAME = new boolean[128];

    static {
        // RFC 3986 §2.3 unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
        for (char c = 'a'; c <= 'z'; c++) {
            REG_NAME[c] = true;
            REG_NAME[c - 32] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            REG_NAME[c] = true;
        }
        // ... and RFC 3986 §2.2 sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            REG_NAME[c] = true;
        }
    }

    private Authority() {
    }

    /** True when {@code s} is {@code host [":" port]} as above. */
    public static boolean isValid(String s) {
        int n = s.length();
        int hostEnd;
        if (n > 0 && s.charAt(0) == '[') {
            int close = s.indexOf(']');
            if (close < 0 || IpLiteral.parseV6(s.substring(1, close)) == null) {
                return false;
            }
            hostEnd = close + 1;
        } else {
            hostEnd = 0;
            while (hostEnd < n && s.charAt(hostEnd) != ':') {
                char c = s.charAt(hostEnd);
                if (c == '%') {
                    if (hostEnd + 2 >= n || Ascii.hexDigit(s.charAt(hostEnd + 1)) < 0
                            || Ascii.hexDigit(s.charAt(hostEnd + 2)) < 0) {
                        return false;
                    }
                    hostEnd += 3;
                } else if (c < 128 && REG_NAME[c]) {
                    hostEnd++;
                } else {
                    return false; // SP, CTLs, "@", "/", "?", "#", "[", obs-text...
                }
            }
            if (hostEnd == 0) {
                return false;
            }
        }
        if (hostEnd == n) {
            return true;
        }
        // port = *DIGIT: may be empty (RFC 3986 §3.2.3), else at most 65535
        return s.charAt(hostEnd) == ':' && (hostEnd + 1 == n || Ascii.port(s, hostEnd + 1) >= 0);
    }

    /**
     * True when {@code value} may be the value of an HTTP/1.1 {@code Host} field: an authority,
     * or empty, which RFC 9112 §3.2 has a client send when the target URI has no authority.
     */
    public static boolean isValidHostField(String value) {
        return value.isEmpty() || isValid(value);
    }
}
