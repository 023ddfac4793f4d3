package dev.siphon.http.h2.server;

import dev.siphon.http.Headers;
import dev.siphon.http.codec.FieldSyntax;
import dev.siphon.http.h2.hpack.HpackDecoder;
import dev.siphon.http.internal.Authority;
import java.util.Set;

/**
 * Receives the decoded fields of one request header block (or trailer block) and checks them
 * against RFC 9113 §8.2 and §8.3: lower-case names, no connection-specific fields, the four
 * request pseudo-header fields each at most once and before every regular field, none in
 * trailers. Every value, pseudo-header fields' too, is a field-value
 * ({@link FieldSyntax#isFieldValue}: no NUL, CR, LF or other control characters, no whitespace at
 * either end), and the pseudo-header fields
 * have their own syntax: {@code :scheme} a URI scheme, {@code :path} visible ASCII starting with
 * "/" (or "*" for OPTIONS), {@code :authority} and {@code host} an {@link Authority}, at most one
 * {@code host}, agreeing with {@code :authority} when both are sent. The first violation is
 * remembered and the rest of the block is still consumed, so the HPACK state stays in step with
 * the peer; the caller then resets the stream (RFC 9113 §8.1.1: a malformed request is a stream
 * error of type PROTOCOL_ERROR). Loop thread; one instance per session, reset per block.
 */
final class RequestFields implements HpackDecoder.Sink {
    /**
     * RFC 9110 §6.5.1: fields that control framing, routing, request modifiers, authentication or
     * the content's format are needed before the content, so a sender must not put them in
     * trailers, and a recipient must not merge them into the header section. Trailers are merged
     * for handlers (the request is dispatched only after them), so a trailer naming one of these
     * — or a field the engine reads for {@code req.client} — would change what the header section
     * said: the stream is reset instead. Names are lower case (checked before).
     */
    private static final Set<String> NOT_IN_TRAILERS = Set.of(
            "content-length", "host", // framing, routing (transfer-encoding is connection-specific)
            "expect", "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range",
            "max-forwards", "te", // request modifiers
            "authorization", "proxy-authorization", "cookie", // authentication
            "content-type", "content-encoding", "content-range", // content format
            "x-forwarded-for", "forwarded"); // the client address behind trusted proxies

    String method;
    String scheme;
    String path;
    String authority;
    /** The value of the request's {@code host} field, or null. */
    private String host;
    long contentLength;
    /** The first malformation found, or null. */
    String error;
    private Headers headers;
    private StringBuilder cookie;
    private boolean trailers;
    private boolean regularSeen;

    /** Starts a block whose regular fields go to {@code target}. */
    void reset(Headers target, boolean trailerBlock) {
        method = scheme = path = authority = host = null;
        contentLength = -1;
        error = null;
        headers = target;
        cookie = null;
        trailers = trailerBlock;
        regularSeen = false;
    }

    @Override
    public void header(String name, String value, boolean sensitive) {
        if (error != null) {
            return;
        }
        if (name.isEmpty()) {
            error = "empty field name";
            return;
        }
        if (name.charAt(0) == ':') {
            pseudo(name, value);
            return;
        }
        regularSeen = true;
        if (!validName(name)) {
            error = "invalid field name (RFC 9113 §8.2.1: lower-case tokens only): " + shown(name);
            return;
        }
        if (!FieldSyntax.isFieldValue(value)) {
            error = "invalid value of field " + name; // RFC 9113 §8.2.1, RFC 9110 §5.5
            return;
        }
        if (trailers && NOT_IN_TRAILERS.contains(name)) {
            error = "field " + name + " in trailers"; // RFC 9110 §6.5.1
            return;
        }
        switch (name) {
            // RFC 9113 §8.2.2: connection-specific fields make the message malformed
            case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" -> {
                error = "connection-specific field " + name;
                return;
            }
            case "te" -> {
                if (!value.equals("trailers")) {
                    error = "te other than \"trailers\"";
                    return;
                }
            }
            case "content-length" -> {
                long v = parseLength(value);
                if (v < 0 || (contentLength >= 0 && contentLength != v)) {
                    error = "invalid content-length";
                    return;
                }
                contentLength = v;
            }
            case "host" -> {
                if (host != null) {
                    error = "more than one host field"; // as RFC 9112 §3.2 has it for HTTP/1.1
                    return;
                }
                if (!Authority.isValidHostField(value)) {
                    error = "invalid host";
                    return;
                }
                host = value;
            }
            case "cookie" -> {
                // RFC 9113 §8.2.3: cookie crumbs are joined with "; " for an HTTP/1.1 view
                if (cookie == null) {
                    cookie = new StringBuilder(value);
                } else {
                    cookie.append("; ").append(value);
                }
                return;
            }
            default -> {
            }
        }
        headers.add(name, value);
    }

    private void pseudo(String name, String value) {
        if (trailers) {
            error = "pseudo-header field in trailers"; // RFC 9113 §8.1
            return;
        }
        if (regularSeen) {
            error = "pseudo-header field after a regular field"; // RFC 9113 §8.3
            return;
        }
        if (!FieldSyntax.isFieldValue(value)) {
            error = "invalid value of " + pseudoName(name); // RFC 9113 §8.2.1: pseudo-header fields too
            return;
        }
        String previous;
        switch (name) {
            case ":method" -> {
                previous = method;
                method = value;
            }
            case ":scheme" -> {
                previous = scheme;
                scheme = value;
            }
            case ":path" -> {
                previous = path;
                path = value;
            }
            case ":authority" -> {
                previous = authority;
                authority = value;
            }
            default -> {
                error = "unknown pseudo-header field " + shown(name); // RFC 9113 §8.3: incl. response ones
                return;
            }
        }
        if (previous != null) {
            error = "duplicate pseudo-header field " + name;
        }
    }

    /** Completes the block: the cookie header and, for a request, the pseudo-header rules. */
    void finish() {
        if (cookie != null && error == null) {
            headers.add("cookie", cookie.toString());
        }
        if (trailers || error != null) {
            return;
        }
        if (method == null) {
            error = "missing :method";
        } else if (method.isEmpty()) {
            error = "empty :method";
        } else if (!FieldSyntax.isToken(method)) { // RFC 9110 §9.1: method = token
            error = "invalid :method";
        } else if ("CONNECT".equals(method)) {
            // RFC 9113 §8.5: only :method and :authority
            if (scheme != null || path != null || authority == null) {
                error = "malformed CONNECT request";
            }
        } else if (scheme == null || path == null) {
            error = "missing :scheme or :path"; // RFC 9113 §8.3.1
        } else if (!validScheme(scheme)) {
            error = "invalid :scheme";
        } else if (!validPath(path, method)) {
            error = "invalid :path";
        }
        if (error == null && authority != null && !Authority.isValid(authority)) {
            error = "invalid :authority"; // RFC 9113 §8.3.1: and no userinfo
        }
        if (error == null && authority != null && host != null && !host.equalsIgnoreCase(authority)) {
            // RFC 9113 §8.3.1: a server SHOULD treat a host that differs from :authority as malformed
            error = "host differs from :authority";
        }
        if (error == null && authority != null && host == null) {
            headers.add("host", authority); // handlers read the host as in HTTP/1.1
        }
    }

    /** RFC 9113 §8.2.1: a field name is a token (RFC 9110 §5.1) without upper-case letters. */
    private static boolean validName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!FieldSyntax.isTchar(c) || (c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
    private static boolean validScheme(String v) {
        if (v.isEmpty() || !isAlpha(v.charAt(0))) {
            return false;
        }
        for (int i = 1; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /**
     * RFC 9113 §8.3.1: not empty; an absolute path (with its query), or "*" for OPTIONS. As an
     * HTTP/1.1 request-target (RFC 9112 §3.2), only visible ASCII: no SP, no CTLs, no obs-text.
     */
    private static boolean validPath(String p, String method) {
        if (p.equals("*")) {
            return method.equals("OPTIONS");
        }
        if (p.isEmpty() || p.charAt(0) != '/') {
            return false;
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c <= ' ' || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    /** One of the four request pseudo-header names, or a placeholder: never the peer's bytes. */
    private static String pseudoName(String name) {
        return switch (name) {
            case ":method", ":scheme", ":path", ":authority" -> name;
            default -> "a pseudo-header field";
        };
    }

    /** A name for an error message, which may be logged: control and non-ASCII octets escaped, cut at 64. */
    private static String shown(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), 64); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7F || c == '\\') {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return s.length() > 64 ? b.append("...").toString() : b.toString();
    }

    private static long parseLength(String v) {
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
