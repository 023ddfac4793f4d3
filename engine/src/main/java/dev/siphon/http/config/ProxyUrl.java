package dev.siphon.http.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The parts of an HTTP proxy URL, {@code http://[user[:password]@]host[:port][/]}: what
 * {@code clients.<name>.proxy} and the {@code HTTPS_PROXY} family hold. Immutable.
 *
 * @param host     a host name (lower case) or an IP literal, IPv6 without brackets
 * @param port     the port; 80 when the URL names none
 * @param user     the percent-decoded user, or null when the URL has no user info
 * @param password the percent-decoded password, "" when the user info has none, null without user info
 */
public record ProxyUrl(String host, int port, String user, String password) {

    /**
     * Reads a proxy URL as reqwest does: the scheme optional (http assumed), the user and password
     * percent-decoded. Only http:// proxies are supported (no TLS to the proxy itself, no SOCKS).
     *
     * @param what how messages name where the URL came from ({@code HTTPS_PROXY}, {@code client.proxy})
     * @throws IllegalArgumentException naming {@code what} and saying what is wrong, the user info
     *     left out
     */
    public static ProxyUrl parse(String url, String what) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(what + ": empty proxy URL");
        }
        String u = url.strip();
        int schemeEnd = u.indexOf("://");
        String rest = u;
        if (schemeEnd >= 0) {
            String scheme = u.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
            if (!scheme.equals("http")) {
                throw new IllegalArgumentException(what + ": proxy scheme \"" + scheme + "\" is not supported (only "
                        + "http:// proxies, which tunnel https:// requests with CONNECT)");
            }
            rest = u.substring(schemeEnd + 3);
        }
        int end = rest.length();
        for (int i = 0; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        String tail = rest.substring(end);
        if (!tail.isEmpty() && !tail.equals("/")) {
            throw new IllegalArgumentException(what + ": a proxy URL has no path, query or fragment: " + redacted(u));
        }
        String authority = rest.substring(0, end);
        String user = null;
        String pass = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userinfo = authority.substring(0, at);
            int colon = userinfo.indexOf(':');
            user = decode(colon < 0 ? userinfo : userinfo.substring(0, colon), what);
            pass = colon < 0 ? "" : decode(userinfo.substring(colon + 1), what);
            authority = authority.substring(at + 1);
        }
        String host;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(what + ": unclosed [ in the proxy URL " + redacted(u));
            }
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException(what + ": expected :port after ] in the proxy URL " + redacted(u));
                }
                port = after.substring(1);
            }
            if (host.isEmpty() || !host.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException(what + ": \"" + host + "\" is not an IPv6 address in " + redacted(u));
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? null : authority.substring(colon + 1);
            if (host.isEmpty()) {
                throw new IllegalArgumentException(what + ": no host in the proxy URL " + redacted(u));
            }
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                        || c == '_')) {
                    throw new IllegalArgumentException(what + ": \"" + host + "\" is not a host name in the proxy URL "
                            + redacted(u));
                }
            }
        }
        int p = 80;
        if (port != null) {
            p = -1;
            if (!port.isEmpty() && port.length() <= 5 && port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                p = Integer.parseInt(port);
            }
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException(what + ": port \"" + port + "\" of the proxy URL " + redacted(u)
                        + " is not from 1 to 65535");
            }
        }
        return new ProxyUrl(host.toLowerCase(Locale.ROOT), p, user, pass);
    }

    private static String decode(String s, String what) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": bad percent-encoding in the proxy URL's user info");
        }
    }

    /** The URL for messages: the user info (a password, perhaps) replaced by "***". */
    private static String redacted(String url) {
        int at = url.lastIndexOf('@');
        if (at < 0) {
            return "\"" + url + "\"";
        }
        int start = url.indexOf("://");
        return "\"" + (start < 0 ? "" : url.substring(0, start + 3)) + "***" + url.substring(at) + "\"";
    }

    @Override
    public String toString() {
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
