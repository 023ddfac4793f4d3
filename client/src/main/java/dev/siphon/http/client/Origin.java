package dev.siphon.http.client;

import java.util.Locale;

/**
 * Scheme, host and port (RFC 6454): the key of a connection pool. Immutable.
 *
 * @param scheme "http" or "https", lower case
 * @param host   a host name (lower case) or an IP literal, IPv6 without brackets
 * @param port   the port, the scheme's default filled in
 */
record Origin(String scheme, String host, int port) {

    static Origin of(String scheme, String host, int port) {
        String s = scheme.toLowerCase(Locale.ROOT);
        int p = port >= 0 ? port : s.equals("https") ? 443 : 80;
        return new Origin(s, host.toLowerCase(Locale.ROOT), p);
    }

    boolean secure() {
        return scheme.equals("https");
    }

    /** The Host field / :authority (RFC 9110 §7.2): the port only when not the default. */
    String authority() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        boolean defaultPort = secure() ? port == 443 : port == 80;
        return defaultPort ? h : h + ":" + port;
    }

    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return scheme + "://" + h + ":" + port;
    }
}
