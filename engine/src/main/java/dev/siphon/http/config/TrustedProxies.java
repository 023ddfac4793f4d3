package dev.siphon.http.config;

import dev.siphon.http.codec.Ascii;
import dev.siphon.http.codec.IpLiteral;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Collection;

/**
 * A listener's {@code trusted_proxies}: IP addresses and CIDR ranges ({@code 10.0.0.0/8},
 * {@code fd00::/8}; RFC 4632 §3.1, RFC 4291 §2.3) whose {@code X-Forwarded-For} is believed, and
 * the rule that reads the client out of that header.
 *
 * <p>{@code X-Forwarded-For} is a list each proxy appends the address it received the request
 * from to; only the entries appended by proxies we trust can be believed, and those are at its
 * right end. Everything to the left of the first untrusted address was written by the client,
 * or by someone the client chose. So the list is read right to left, see {@link #forwardedClient}.
 *
 * <p>An IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.1}) is matched as the IPv4 address it
 * maps, in the ranges and in the addresses tested, as the JDK reports socket peers.
 *
 * <p>Immutable; any thread.
 */
public final class TrustedProxies {
    /** No proxy is trusted: {@code X-Forwarded-For} is never read. */
    public static final TrustedProxies NONE = new TrustedProxies(new byte[0][], new int[0]);

    /** Network addresses (host bits zero), 4 or 16 bytes, and their prefix lengths in bits. */
    private final byte[][] networks;
    private final int[] prefixes;

    private TrustedProxies(byte[][] networks, int[] prefixes) {
        this.networks = networks;
        this.prefixes = prefixes;
    }

    /**
     * The ranges of {@code entries}, each an IP address (a range of one) or a CIDR range.
     *
     * @throws IllegalArgumentException naming the first entry that is neither, see {@link #check}
     */
    public static TrustedProxies of(Collection<String> entries) {
        if (entries.isEmpty()) {
            return NONE;
        }
        byte[][] networks = new byte[entries.size()][];
        int[] prefixes = new int[entries.size()];
        int i = 0;
        for (String entry : entries) {
            String bad = check(entry);
            if (bad != null) {
                throw new IllegalArgumentException(bad + ", found \"" + entry + "\"");
            }
            int slash = entry.indexOf('/');
            byte[] ip = IpLiteral.parse(slash < 0 ? entry : entry.substring(0, slash));
            int prefix = slash < 0 ? ip.length * 8 : Integer.parseInt(entry.substring(slash + 1));
            if (ip.length == 16 && isV4Mapped(ip) && prefix >= 96) {
                ip = Arrays.copyOfRange(ip, 12, 16);
                prefix -= 96;
            }
            networks[i] = ip;
            prefixes[i] = prefix;
            i++;
        }
        return new TrustedProxies(networks, prefixes);
    }

    /**
     * What was expected where {@code entry} is not a {@code trusted_proxies} entry ("expected …",
     * for the caller to follow with ", found" and the entry), or {@code null} when it is one: an
     * IPv4 or IPv6 literal ({@link IpLiteral}: no host names, nothing is resolved, no zone ids), or
     * such a literal with a prefix length ({@code /0} to {@code /32} or {@code /128}) whose host
     * bits are zero ({@code 10.0.0.1/8} is refused rather than read as {@code 10.0.0.0/8}).
     */
    public static String check(String entry) {
        int slash = entry.indexOf('/');
        byte[] ip = IpLiteral.parse(slash < 0 ? entry : entry.substring(0, slash));
        if (ip == null) {
            return "expected an IP address or a CIDR range like 10.0.0.1, ::1 or 10.0.0.0/8 (host names are not"
                    + " resolved)";
        }
        if (slash < 0) {
            return null;
        }
        String length = entry.substring(slash + 1);
        int bits = ip.length * 8;
        int prefix = Ascii.decimal(length, 0, 3);
        if (prefix < 0 || prefix > bits || (length.length() > 1 && length.charAt(0) == '0')) {
            return "expected a prefix length from 0 to " + bits + " after the '/'";
        }
        for (int bit = prefix; bit < bits; bit++) {
            if ((ip[bit >>> 3] & (0x80 >>> (bit & 7))) != 0) {
                return "expected a range written with its first address" + (ip.length == 4
                        ? " (" + firstV4(ip, prefix) + "/" + prefix + ")" : "") + ", with no bits set past the /"
                        + prefix + " prefix";
            }
        }
        return null;
    }

    public boolean isEmpty() {
        return networks.length == 0;
    }

    /** True when {@code address} (a socket peer) lies in one of the ranges. */
    public boolean contains(InetAddress address) {
        return networks.length != 0 && contains(address.getAddress());
    }

    /** True when {@code address}, 4 or 16 bytes, lies in one of the ranges. */
    public boolean contains(byte[] address) {
        byte[] a = address.length == 16 && isV4Mapped(address) ? Arrays.copyOfRange(address, 12, 16) : address;
        for (int i = 0; i < networks.length; i++) {
            if (networks[i].length == a.length && inPrefix(a, networks[i], prefixes[i])) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client named by {@code xff}, the value of every {@code X-Forwarded-For} field line of a
     * request joined in order with ", " (RFC 9110 §5.3), sent by a peer this listener trusts.
     *
     * <p>The list is read from the right, the end the nearest proxy wrote: trusted addresses are
     * skipped, and the first untrusted one is the client. An entry that is not an IP address
     * ("unknown", a host name, {@code <svg onload=…>}) ends the walk: the client is then the
     * nearest address that could be verified, the trusted hop just right of that entry, or the
     * peer itself when the entry is the right-most one. When every entry is trusted, the left-most
     * one is the client. Empty list elements are skipped (RFC 9110 §5.6.1).
     *
     * <p>An entry is an IPv4 address, an IPv6 address, or either with a port where the port is
     * unambiguous: {@code 192.0.2.1:4711} or {@code [2001:db8::1]:4711} (a bracketed IPv6 address
     * may also come without a port). A bare IPv6 address never has a port stripped.
     *
     * @return the client's address as written, without brackets or port ({@code 203.0.113.7},
     *     {@code 2001:db8::7}); or {@code null} when the client is the peer itself
     */
    public String forwardedClient(String xff) {
        String nearestTrusted = null; // null: the peer
        int end = xff.length();
        while (end >= 0) {
            int comma = xff.lastIndexOf(',', end - 1);
            String entry = trimOws(xff, comma + 1, end);
            end = comma;
            if (entry.isEmpty()) {
                continue; // RFC 9110 §5.6.1: empty list elements are ignored
            }
            String ip = address(entry);
            if (ip == null) {
                return nearestTrusted;
            }
            if (!contains(IpLiteral.parse(ip))) {
                return ip;
            }
            nearestTrusted = ip;
        }
        return nearestTrusted;
    }

    /** The IP literal of one list entry, without brackets and port; {@code null} when it is none. */
    static String address(String entry) {
        if (entry.charAt(0) == '[') {
            int close = entry.indexOf(']');
            if (close < 0) {
                return null;
            }
            String ip = entry.substring(1, close);
            if (IpLiteral.parseV6(ip) == null) {
                return null;
            }
            boolean port = close + 1 < entry.length();
            return !port || (entry.charAt(close + 1) == ':' && Ascii.port(entry, close + 2) >= 0) ? ip : null;
        }
        int colon = entry.indexOf(':');
        if (colon >= 0 && entry.indexOf(':', colon + 1) < 0) {
            // one colon: only an IPv4 address and a port can be meant (IPv6 has at least two)
            String ip = entry.substring(0, colon);
            return IpLiteral.parseV4(ip) != null && Ascii.port(entry, colon + 1) >= 0 ? ip : null;
        }
        return IpLiteral.parse(entry) != null ? entry : null;
    }

    /** {@code s[from, to)} without leading and trailing SP and HTAB (OWS, RFC 9110 §5.6.3). */
    private static String trimOws(String s, int from, int to) {
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean inPrefix(byte[] a, byte[] network, int prefix) {
        int whole = prefix >>> 3;
        for (int i = 0; i < whole; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix & 7;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (a[whole] & mask) == (network[whole] & mask);
    }

    /** ::ffff:0:0/96, RFC 4291 §2.5.5.2. */
    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }

    /** The dotted quad of IPv4 {@code ip} with its bits past {@code prefix} cleared. */
    private static String firstV4(byte[] ip, int prefix) {
        int v = ((ip[0] & 0xFF) << 24) | ((ip[1] & 0xFF) << 16) | ((ip[2] & 0xFF) << 8) | (ip[3] & 0xFF);
        v &= prefix == 0 ? 0 : -1 << (32 - prefix);
        return (v >>> 24) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }
}
