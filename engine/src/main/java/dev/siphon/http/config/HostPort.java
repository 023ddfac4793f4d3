package dev.siphon.http.config;

import dev.siphon.http.codec.Ascii;
import dev.siphon.http.codec.IpLiteral;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The {@code listen} value: {@code host:port}, with an IPv6 host in brackets
 * ({@code [::1]:8080}, as in a URI authority, RFC 3986 §3.2.2). The host is kept without
 * brackets. Names are checked for shape only; nothing is resolved here.
 */
record HostPort(String host, int port) {

    static final String EXPECTED = "expected \"host:port\" (IPv6 as \"[::1]:8080\")";

    /** Parses {@code host:port}; the exception message says what was expected and found. */
    static HostPort parse(String text) {
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(EXPECTED + ", found " + Texts.quote(text) + " with no closing ']'");
            }
            host = text.substring(1, close);
            if (IpLiteral.parseV6(host) == null) {
                throw new IllegalArgumentException("\"[" + host + "]\" in " + Texts.quote(text) + " is not an IPv6 address");
            }
            if (close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException(EXPECTED + ", found " + Texts.quote(text) + " with no \":port\" after ']'");
            }
            portText = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(EXPECTED + ", found " + Texts.quote(text) + " with no port");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("an IPv6 host must be in brackets, like \"[::1]:8080\", found " + Texts.quote(text));
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException(EXPECTED + ", found " + Texts.quote(text) + " with an empty host (use 0.0.0.0 or [::] for every interface)");
            }
            String bad = checkHost(host);
            if (bad != null) {
                throw new IllegalArgumentException(bad);
            }
        }
        int port = Ascii.port(portText, 0);
        if (port < 0) {
            throw new IllegalArgumentException("port must be a number from 0 to 65535, found " + Texts.quote(portText) + " in " + Texts.quote(text));
        }
        return new HostPort(host, port);
    }

    /**
     * Why {@code host} (unbracketed) cannot be listened on, or {@code null} when it can: an IPv4
     * literal, an IPv6 literal, or a name made of RFC 1123 labels (underscores tolerated, as
     * container service names use them).
     */
    static String checkHost(String host) {
        if (host == null || host.isEmpty()) {
            return "host must not be empty";
        }
        if (host.indexOf(':') >= 0) {
            return IpLiteral.parseV6(host) != null ? null : Texts.quote(host) + " is not an IPv6 address";
        }
        if (host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            return IpLiteral.parseV4(host) != null ? null : Texts.quote(host) + " is not an IPv4 address";
        }
        if (host.length() > 253) {
            return "host name is longer than 253 characters";
        }
        for (String label : host.split("\\.", -1)) {
            boolean ok = !label.isEmpty() && label.length() <= 63
                    && label.charAt(0) != '-' && label.charAt(label.length() - 1) != '-'
                    && label.chars().allMatch(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9') || c == '-' || c == '_');
            if (!ok) {
                return Texts.quote(host) + " is not a valid host name or IP address";
            }
        }
        return null;
    }

    /** Back to the {@code listen} form. */
    static String format(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** A key under which two spellings of the same address compare equal ({@code ::1}, {@code 0:0::1}). */
    static String canonical(String host, int port) {
        byte[] ip = IpLiteral.parse(host);
        String h = ip != null ? HexFormat.of().formatHex(ip) : host.toLowerCase(Locale.ROOT);
        return h + "/" + port;
    }
}
