package dev.siphon.http.client;

import dev.siphon.http.internal.Authority;
import java.nio.charset.StandardCharsets;

/**
 * Joins a request URL onto the client's base URL as the original siphon-http does: a URL that
 * starts with {@code http://} or {@code https://} is used as it is; anything else is appended to
 * the base URL with its trailing slashes removed. With base {@code https://h/v20.0},
 * {@code "/123/messages"} goes to {@code https://h/v20.0/123/messages} (RFC 3986 resolution,
 * {@code URI.resolve}, would drop {@code /v20.0}), {@code "users"} to {@code https://h/v20.0users},
 * {@code "//other/x"} to {@code https://h/v20.0//other/x}: a reference never names another host.
 * Dot segments are then removed (RFC 3986 §5.2.4), as a URL parser does. Stateless.
 */
final class UrlResolver {
    private UrlResolver() {}

    /** The five components of RFC 3986 §3; null where the component is undefined. */
    record Parts(String scheme, String authority, String path, String query, String fragment) {}

    /** A resolved, absolute request: its origin and the request-target (path and query). */
    record Target(Origin origin, String requestTarget) {}

    /** Splits a reference into components with the regular expression of RFC 3986 Appendix B. */
    static Parts split(String ref) {
        String scheme = null;
        String authority = null;
        String query = null;
        String fragment = null;
        int hash = ref.indexOf('#');
        if (hash >= 0) {
            fragment = ref.substring(hash + 1);
            ref = ref.substring(0, hash);
        }
        int q = ref.indexOf('?');
        if (q >= 0) {
            query = ref.substring(q + 1);
            ref = ref.substring(0, q);
        }
        int colon = ref.indexOf(':');
        int slash = ref.indexOf('/');
        if (colon > 0 && (slash < 0 || colon < slash)) {
            scheme = ref.substring(0, colon);
            ref = ref.substring(colon + 1);
        }
        if (ref.startsWith("//")) {
            int end = ref.indexOf('/', 2);
            authority = end < 0 ? ref.substring(2) : ref.substring(2, end);
            ref = end < 0 ? "" : ref.substring(end);
        }
        return new Parts(scheme, authority, ref, query, fragment);
    }

    /**
     * Joins {@code reference} onto {@code base} (null when the client has none) into an absolute
     * http(s) target.
     *
     * @throws IllegalArgumentException when the result is not an absolute http:// or https:// URL
     *     with a host, or has characters a request-target cannot carry
     */
    static Target resolve(String base, String reference) {
        String url = reference;
        if (!isAbsolute(reference)) {
            if (base == null) {
                throw new IllegalArgumentException("relative URL " + quote(reference)
                        + " needs a base_url on the client; give an absolute http:// or https:// URL");
            }
            if (!isAbsolute(base)) {
                throw new IllegalArgumentException("base URL " + quote(base) + " is not an absolute http:// or https:// URL");
            }
            int end = base.length();
            while (end > 0 && base.charAt(end - 1) == '/') {
                end--;
            }
            url = base.substring(0, end) + reference;
        }
        Parts u = split(url);
        return target(new Parts(u.scheme, u.authority, removeDotSegments(u.path), u.query, null), url);
    }

    /**
     * A redirect's {@code Location} resolved against the URL that was answered, as RFC 9110
     * §10.2.2 says: a URI-reference, by RFC 3986 §5.2 (an absolute URL as it is, {@code /x}
     * replacing the path, {@code x} replacing its last segment, {@code //host/x} another host).
     */
    static Target location(Target answered, String location) {
        Parts r = split(location);
        Origin o = answered.origin();
        String requested = answered.requestTarget();
        int q = requested.indexOf('?');
        Parts b = new Parts(o.scheme(), o.authority(), q < 0 ? requested : requested.substring(0, q),
                q < 0 ? null : requested.substring(q + 1), null);
        Parts t;
        if (r.scheme != null) {
            t = new Parts(r.scheme, r.authority, removeDotSegments(r.path), r.query, null);
        } else if (r.authority != null) {
            t = new Parts(b.scheme, r.authority, removeDotSegments(r.path), r.query, null);
        } else if (r.path.isEmpty()) {
            t = new Parts(b.scheme, b.authority, b.path, r.query != null ? r.query : b.query, null);
        } else if (r.path.startsWith("/")) {
            t = new Parts(b.scheme, b.authority, removeDotSegments(r.path), r.query, null);
        } else {
            int last = b.path.lastIndexOf('/'); // RFC 3986 §5.2.3 (a request path is never empty)
            t = new Parts(b.scheme, b.authority, removeDotSegments(b.path.substring(0, last + 1) + r.path), r.query,
                    null);
        }
        return target(t, location);
    }

    /** Starts with http:// or https://, in any case. */
    static boolean isAbsolute(String url) {
        return url.regionMatches(true, 0, "http://", 0, 7) || url.regionMatches(true, 0, "https://", 0, 8);
    }

    /** RFC 3986 §5.2.4, with the input consumed segment by segment. */
    static String removeDotSegments(String in) {
        StringBuilder out = new StringBuilder(in.length());
        int i = 0;
        int n = in.length();
        while (i < n) {
            if (in.startsWith("../", i)) {
                i += 3; // A
            } else if (in.startsWith("./", i)) {
                i += 2; // A
            } else if (in.startsWith("/./", i)) {
                i += 2; // B: "/./" -> "/"
            } else if (i + 2 == n && in.startsWith("/.", i)) {
                out.append('/'); // B: a final "/."
                i = n;
            } else if (in.startsWith("/../", i)) {
                i += 3; // C: "/../" -> "/", dropping the last output segment
                dropLastSegment(out);
            } else if (i + 3 == n && in.startsWith("/..", i)) {
                dropLastSegment(out); // C: a final "/.."
                out.append('/');
                i = n;
            } else if ((i + 1 == n && in.charAt(i) == '.') || (i + 2 == n && in.startsWith("..", i))) {
                i = n; // D
            } else {
                int next = in.indexOf('/', in.charAt(i) == '/' ? i + 1 : i); // E
                if (next < 0) {
                    next = n;
                }
                out.append(in, i, next);
                i = next;
            }
        }
        return out.toString();
    }

    private static void dropLastSegment(StringBuilder out) {
        int last = out.lastIndexOf("/");
        out.setLength(Math.max(last, 0));
    }

    private static Target target(Parts t, String reference) {
        String scheme = t.scheme.toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("URL " + quote(reference) + " has scheme " + quote(t.scheme)
                    + "; expected http or https");
        }
        String authority = t.authority;
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("URL " + quote(reference) + " names no host");
        }
        if (authority.indexOf('@') >= 0) {
            throw new IllegalArgumentException("URL " + quote(reference)
                    + " carries user information; send credentials in an Authorization header");
        }
        if (!Authority.isValid(authority)) {
            throw new IllegalArgumentException("URL " + quote(reference) + " has an invalid host or port "
                    + quote(authority));
        }
        String host;
        int port = -1;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("URL " + quote(reference) + " has an unclosed IPv6 literal");
            }
            host = authority.substring(1, close);
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("URL " + quote(reference) + " has a malformed authority");
                }
                port = port(rest.substring(1), reference);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            if (colon >= 0) {
                port = port(authority.substring(colon + 1), reference);
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("URL " + quote(reference) + " names no host");
        }
        String path = t.path.isEmpty() ? "/" : t.path; // RFC 9112 §3.2.1: an empty path is sent as "/"
        String requestTarget = t.query == null ? path : path + "?" + t.query;
        return new Target(Origin.of(scheme, host, port), encodeTarget(requestTarget, reference));
    }

    private static int port(String s, String reference) {
        if (s.isEmpty()) {
            return -1; // RFC 3986 §3.2.3: an empty port is the scheme's default
        }
        try {
            int p = Integer.parseInt(s);
            if (p > 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("URL " + quote(reference) + " has an invalid port " + quote(s));
    }

    /**
     * Percent-encodes non-ASCII characters (as UTF-8); rejects spaces and control characters,
     * which would let a caller inject a second request line (RFC 9112 §3.2).
     */
    private static String encodeTarget(String t, String reference) {
        StringBuilder sb = null;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c <= 0x20 || c == 0x7F) {
                throw new IllegalArgumentException("URL " + quote(reference)
                        + " contains a space or control character; percent-encode it");
            }
            if (c > 0x7F) {
                if (sb == null) {
                    sb = new StringBuilder(t.length() + 16).append(t, 0, i);
                }
                int cp = t.codePointAt(i);
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
                }
                i += Character.charCount(cp) - 1;
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? t : sb.toString();
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
