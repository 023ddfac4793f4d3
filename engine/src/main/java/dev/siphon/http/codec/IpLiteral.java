package dev.siphon.http.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses textual IP addresses without ever asking DNS ({@code InetAddress.getByName} would resolve
 * a name, and {@code InetAddress.ofLiteral} needs JDK 22). Accepts the dotted-quad IPv4 form
 * (RFC 791; no leading zeros, which some resolvers read as octal) and the IPv6 text forms of
 * RFC 4291 §2.2 (hex groups, one "::", a trailing dotted quad). Zone ids ({@code %eth0}),
 * brackets and prefixes ({@code /24}) are not addresses and are rejected. Digits are ASCII
 * digits only ({@code Character.digit} would take the digits of every script).
 *
 * <p>Used by the configuration ({@code listen}, {@code trusted_proxies}) and by the HTTP layers
 * ({@code X-Forwarded-For}, {@code Host}). Stateless; any thread.
 */
public final class IpLiteral {

    private IpLiteral() {
    }

    /** The address's 4 or 16 bytes, or {@code null} when {@code text} is not an IP literal. */
    public static byte[] parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        return text.indexOf(':') >= 0 ? parseV6(text) : parseV4(text);
    }

    public static byte[] parseV4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    public static byte[] parseV6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null; // RFC 4291 §2.2 (2): "::" may appear only once
        }
        List<Integer> head = groups(gap < 0 ? text : text.substring(0, gap), gap < 0);
        List<Integer> tail = gap < 0 ? List.of() : groups(text.substring(gap + 2), true);
        if (head == null || tail == null) {
            return null;
        }
        int words = head.size() + tail.size();
        if (gap < 0 ? words != 8 : words > 7) {
            return null;
        }
        byte[] out = new byte[16];
        int i = 0;
        for (int w : head) {
            out[i++] = (byte) (w >> 8);
            out[i++] = (byte) w;
        }
        i = 16 - 2 * tail.size();
        for (int w : tail) {
            out[i++] = (byte) (w >> 8);
            out[i++] = (byte) w;
        }
        return out;
    }

    /** 16-bit words of a colon-separated run; a dotted quad is allowed as the address's last part. */
    private static List<Integer> groups(String run, boolean endsAddress) {
        List<Integer> words = new ArrayList<>();
        if (run.isEmpty()) {
            return words;
        }
        String[] parts = run.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (endsAddress && i == parts.length - 1 && p.indexOf('.') >= 0) {
                byte[] v4 = parseV4(p); // RFC 4291 §2.2 (3): x:x:x:x:x:x:d.d.d.d
                if (v4 == null) {
                    return null;
                }
                words.add(((v4[0] & 0xff) << 8) | (v4[1] & 0xff));
                words.add(((v4[2] & 0xff) << 8) | (v4[3] & 0xff));
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            int w = 0;
            for (int j = 0; j < p.length(); j++) {
                int d = Ascii.hexDigit(p.charAt(j));
                if (d < 0) {
                    return null;
                }
                w = (w << 4) | d;
            }
            words.add(w);
        }
        return words;
    }
}
