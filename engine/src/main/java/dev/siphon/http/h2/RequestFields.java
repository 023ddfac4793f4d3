package dev.siphon.http.h2;

import dev.siphon.http.Headers;
import dev.siphon.http.h2.hpack.HpackDecoder;

/**
 * Receives the decoded fields of one request header block (or trailer block) and checks them
 * against RFC 9113 §8.2 and §8.3: lower-case names, no connection-specific fields, the four
 * request pseudo-header fields each at most once and before every regular field, none in
 * trailers. The first violation is remembered and the rest of the block is still consumed, so the
 * HPACK state stays in step with the peer; the caller then resets the stream. Loop thread; one
 * instance per session, reset per block.
 */
final class RequestFields implements HpackDecoder.Sink {
    String method;
    String scheme;
    String path;
    String authority;
    long contentLength;
    /** The first malformation found, or null. */
    String error;
    private Headers headers;
    private StringBuilder cookie;
    private boolean trailers;
    private boolean regularSeen;

    /** Starts a block whose regular fields go to {@code target}. */
    void reset(Headers target, boolean trailerBlock) {
        method = scheme = path = authority = null;
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
            error = "invalid field name (RFC 9113 §8.2.1: lower-case tokens only): " + name;
            return;
        }
        if (!validValue(value)) {
            error = "invalid value of field " + name;
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
                error = "unknown pseudo-header field " + name; // RFC 9113 §8.3: incl. response ones
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
        } else if ("CONNECT".equals(method)) {
            // RFC 9113 §8.5: only :method and :authority
            if (scheme != null || path != null || authority == null) {
                error = "malformed CONNECT request";
            }
        } else if (scheme == null || path == null) {
            error = "missing :scheme or :path"; // RFC 9113 §8.3.1
        } else if (path.isEmpty() || (path.charAt(0) != '/' && !(path.equals("*") && method.equals("OPTIONS")))) {
            error = "invalid :path";
        } else if (!method.isEmpty() && !validMethod(method)) {
            error = "invalid :method";
        } else if (method.isEmpty()) {
            error = "empty :method";
        }
        if (error == null && authority != null && !headers.contains("host")) {
            headers.add("host", authority); // handlers read the host as in HTTP/1.1
        }
    }

    private static boolean validName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
                    || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*'
                    || c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean validMethod(String m) {
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == '(' || c == ')' || c == ',' || c == '/' || c == ':' || c == ';'
                    || c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '[' || c == '\\'
                    || c == ']' || c == '{' || c == '}' || c == '"') {
                return false;
            }
        }
        return true;
    }

    /** RFC 9113 §8.2.1: no NUL, CR or LF, and no leading or trailing whitespace. */
    private static boolean validValue(String v) {
        int n = v.length();
        if (n > 0 && (v.charAt(0) == ' ' || v.charAt(0) == '\t' || v.charAt(n - 1) == ' ' || v.charAt(n - 1) == '\t')) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
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
