package dev.siphon.http.h1;

import dev.siphon.http.internal.Authority;
import dev.siphon.http.internal.RequestError;

/**
 * The request message-body length rules of RFC 9112 §6.3, written out in one place. Fields that
 * bear on framing are collected by {@link #onField} while the head is parsed; {@link #decide}
 * then applies the numbered steps. Loop thread only; stateless.
 */
final class BodyFraming {
    /** Content-Length values longer than this cannot be a real body size (and would overflow). */
    private static final int MAX_LENGTH_DIGITS = 18;

    private BodyFraming() {}

    /**
     * True for the fields framing depends on. {@code name} comes from {@link FieldNames}, which
     * returns these very constants (all five are in its table), so identity is enough.
     */
    @SuppressWarnings("StringEquality")
    static boolean concerns(String name) {
        return name == "host" || name == "content-length" || name == "connection" || name == "transfer-encoding"
                || name == "expect";
    }

    /** Takes note of a field whose value is {@code b[off, off+len)}; only for the names {@link #concerns} accepts. */
    static void onField(String name, byte[] b, int off, int len, RequestHead head) throws RequestError {
        if (name.equals("host")) {
            head.hostCount++; // RFC 9112 §3.2 counts Host fields; decide() checks the value of the one
            return;
        }
        if (name.equals("connection")) {
            onConnection(b, off, off + len, head); // the common one: scanned in place
            return;
        }
        String value = new String(b, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
        switch (name) {
            case "content-length" -> {
                long n = parseContentLength(value);
                // RFC 9110 §8.6 / RFC 9112 §6.3 (5): several Content-Length values must agree
                if (head.contentLength >= 0 && head.contentLength != n) {
                    throw new RequestError(400, "conflicting Content-Length values");
                }
                head.contentLength = n;
            }
            case "transfer-encoding" -> onTransferEncoding(value, head);
            case "expect" -> onExpect(value, head);
            default -> {
            }
        }
    }

    /**
     * RFC 9112 §6.3, for requests (steps 1 and 2 concern responses only).
     */
    static void decide(RequestHead head) throws RequestError {
        boolean hasTe = head.chunked || head.teSeen;
        if (hasTe) {
            // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message: framing is faulty
            if (head.version == 10) {
                throw new RequestError(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            // RFC 9112 §6.3 (3): both Transfer-Encoding and Content-Length: we reject rather than
            // let Transfer-Encoding win, so no intermediary can read the body differently (smuggling).
            if (head.contentLength >= 0) {
                throw new RequestError(400, "both Content-Length and Transfer-Encoding");
            }
            // RFC 9112 §6.3 (4): chunked must be the final coding, or the length is unknowable
            if (!head.chunked) {
                throw new RequestError(400, "chunked is not the final transfer coding");
            }
        }
        // RFC 9112 §3.2: an HTTP/1.1 request without exactly one Host field gets 400
        if (head.version >= 11 && head.hostCount != 1) {
            throw new RequestError(400, head.hostCount == 0 ? "missing Host" : "more than one Host");
        }
        if (head.hostCount > 1) {
            throw new RequestError(400, "more than one Host");
        }
        // RFC 9112 §3.2: a Host field with an invalid value gets 400 too. Read through the headers,
        // which keep the string for the handler: no copy is made only to be checked.
        if (head.hostCount == 1 && !Authority.isValidHostField(head.headers.get("host"))) {
            throw new RequestError(400, "invalid Host");
        }
        // RFC 9112 §3.2.2: with an absolute-form target the received Host is ignored for the target's
        // authority, which must be one (no userinfo: RFC 9110 §4.2.4), so a handler sees a single host
        if (head.absoluteTarget != null) {
            String authority = targetAuthority(head.absoluteTarget);
            if (!Authority.isValid(authority)) {
                throw new RequestError(400, "invalid authority in the request-target");
            }
            head.headers.set("host", authority);
        }
        // RFC 9112 §6.3 (6): a valid Content-Length gives the length; (7): otherwise 0
    }

    /** The authority of an absolute-form target ({@code http://authority/path?query}), maybe empty. */
    private static String targetAuthority(String target) {
        int start = target.indexOf("://") + 3;
        int end = start;
        while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
            end++;
        }
        return target.substring(start, end);
    }

    /** 1*DIGIT, or a list of identical values (RFC 9110 §8.6); anything else -> 400. */
    private static long parseContentLength(String v) throws RequestError {
        long result = -1;
        int i = 0;
        int n = v.length();
        while (i < n) {
            int start = i;
            long x = 0;
            while (i < n && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
                x = x * 10 + (v.charAt(i) - '0');
                i++;
            }
            if (i == start || i - start > MAX_LENGTH_DIGITS) {
                throw new RequestError(400, "invalid Content-Length");
            }
            if (result >= 0 && result != x) {
                throw new RequestError(400, "conflicting Content-Length values");
            }
            result = x;
            while (i < n && (v.charAt(i) == ' ' || v.charAt(i) == '\t')) {
                i++;
            }
            if (i < n) {
                if (v.charAt(i) != ',') {
                    throw new RequestError(400, "invalid Content-Length");
                }
                i++;
                while (i < n && (v.charAt(i) == ' ' || v.charAt(i) == '\t')) {
                    i++;
                }
                if (i == n) {
                    throw new RequestError(400, "invalid Content-Length");
                }
            }
        }
        if (result < 0) {
            throw new RequestError(400, "invalid Content-Length");
        }
        return result;
    }

    /**
     * Transfer-Encoding is a list of codings; only "chunked" is implemented, and it must come
     * last and only once (RFC 9112 §6.1). Another coding -> 501 (RFC 9112 §6.1: "SHOULD respond
     * with 501"), unless chunked is missing at the end, which §6.3 (4) makes a 400.
     */
    private static void onTransferEncoding(String value, RequestHead head) throws RequestError {
        head.teSeen = true;
        for (String coding : value.split(",", -1)) {
            String c = coding.strip();
            if (c.isEmpty()) {
                throw new RequestError(400, "empty transfer coding");
            }
            if (head.chunked) {
                // chunked already seen: anything after it (even chunked again) is invalid
                throw new RequestError(400, "chunked is not the final transfer coding");
            }
            if (c.equalsIgnoreCase("chunked")) {
                head.chunked = true;
            } else {
                head.unsupportedCoding = true;
            }
        }
        if (head.unsupportedCoding && head.chunked) {
            throw new RequestError(501, "unsupported transfer coding");
        }
    }

    private static final byte[] CLOSE = {'c', 'l', 'o', 's', 'e'};
    private static final byte[] KEEP_ALIVE = {'k', 'e', 'e', 'p', '-', 'a', 'l', 'i', 'v', 'e'};

    /** Connection = #connection-option (RFC 9110 §7.6.1): looks for "close" and "keep-alive". */
    private static void onConnection(byte[] b, int i, int end, RequestHead head) {
        while (i < end) {
            while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == ',')) {
                i++;
            }
            int start = i;
            while (i < end && b[i] != ',' && b[i] != ' ' && b[i] != '\t') {
                i++;
            }
            if (tokenIs(b, start, i, CLOSE)) {
                head.connectionClose = true;
            } else if (tokenIs(b, start, i, KEEP_ALIVE)) {
                head.connectionKeepAlive = true;
            }
        }
    }

    /** Case-insensitive comparison of {@code b[start, end)} with a lower-case token. */
    private static boolean tokenIs(byte[] b, int start, int end, byte[] lower) {
        if (end - start != lower.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            if (FieldNames.LOWER[b[start + i] & 0xFF] != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 §10.1.1: only 100-continue is defined; another expectation -> 417. */
    private static void onExpect(String value, RequestHead head) throws RequestError {
        if (head.version == 10) {
            return; // an HTTP/1.0 server MUST ignore 100-continue; we ignore any expectation from 1.0
        }
        if (value.equalsIgnoreCase("100-continue")) {
            head.expectContinue = true;
        } else {
            throw new RequestError(417, "unsupported expectation");
        }
    }
}
