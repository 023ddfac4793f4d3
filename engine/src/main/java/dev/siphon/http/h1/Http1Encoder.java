package dev.siphon.http.h1;

import dev.siphon.http.Headers;
import dev.siphon.http.Response;
import dev.siphon.http.codec.FieldSyntax;
import dev.siphon.http.dispatch.RequestIds;
import dev.siphon.http.internal.HttpDate;
import dev.siphon.http.internal.Status;
import dev.siphon.http.net.OutboundQueue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Writes HTTP/1.1 responses (RFC 9112 §4, §6). Response framing is decided here and only here:
 * the engine sends {@code Content-Length} for a whole body and chunked framing for a streaming
 * one (or the handler's own {@code content-length}, checked), never the handler's other
 * framing fields, and no body for HEAD, 1xx, 204 and 304. Loop thread only; stateless.
 */
public final class Http1Encoder {
    private static final byte[][] STATUS_LINES = new byte[1000][];
    private static final byte[] DATE = "date: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REQUEST_ID = (RequestIds.FIELD + ": ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRANSFER_CHUNKED = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_CLOSE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_KEEP_ALIVE = "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int FIXED_OVERHEAD = 160;

    static {
        for (int s = 100; s < 1000; s++) {
            STATUS_LINES[s] = ("HTTP/1.1 " + s + " " + Status.reason(s) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private Http1Encoder() {}

    /** A handler's response header that cannot be written safely. */
    static final class InvalidHeaderException extends Exception {
        InvalidHeaderException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Appends the response to {@code out}.
     *
     * @param headRequest  the request was HEAD: send the length, not the body
     * @param close        add {@code connection: close}
     * @param keepAlive10  an HTTP/1.0 client asked for keep-alive: confirm it
     * @return true when the handler asked to close the connection ({@code connection: close})
     */
    static boolean encode(Response r, boolean headRequest, boolean close, boolean keepAlive10, OutboundQueue out)
            throws InvalidHeaderException {
        return encode(r, headRequest, close, keepAlive10, null, out);
    }

    /**
     * As {@link #encode(Response, boolean, boolean, boolean, OutboundQueue)}, with {@code
     * x-request-id: requestId} unless the response has that field (or {@code requestId} is null).
     */
    static boolean encode(Response r, boolean headRequest, boolean close, boolean keepAlive10, String requestId,
                          OutboundQueue out) throws InvalidHeaderException {
        byte[] body = r.body();
        boolean handlerClose = encodeHead(r, body.length, close, keepAlive10, requestId, out);
        if (!Status.bodyless(r.status()) && !headRequest) {
            out.add(body);
        }
        return handlerClose;
    }

    /** {@link #encodeHead}'s {@code length} for a body sent in chunks (RFC 9112 §7.1). */
    static final long CHUNKED = -1;
    /** {@link #encodeHead}'s {@code length} for a body delimited by closing the connection (an HTTP/1.0 client's stream). */
    static final long UNTIL_CLOSE = -2;

    /**
     * The length a streaming response's handler declared in {@code content-length}, or -1 when
     * it declared none.
     *
     * @throws InvalidHeaderException for a value that is not one decimal length
     */
    static long declaredLength(Response r) throws InvalidHeaderException {
        String v = r.headers().get("content-length");
        if (v == null) {
            return -1;
        }
        String t = v.strip();
        if (t.isEmpty() || t.length() > 18 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidHeaderException("invalid content-length for a streaming response: " + v);
        }
        return Long.parseLong(t);
    }

    /** The framing of one chunk of a chunked body: its size line, the data, CRLF (RFC 9112 §7.1). */
    static void chunk(byte[] data, OutboundQueue out) {
        String size = Integer.toHexString(data.length);
        ByteBuffer b = out.reserve(size.length() + 2);
        for (int i = 0; i < size.length(); i++) {
            b.put((byte) size.charAt(i));
        }
        b.put((byte) '\r').put((byte) '\n');
        out.add(data);
        out.reserve(2).put((byte) '\r').put((byte) '\n');
    }

    /** The last chunk of a chunked body, with no trailer fields. */
    static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * Appends the status line and header fields, with {@code length} as the framing: a
     * content-length (also for HEAD: the length the GET would have sent), {@link #CHUNKED} or
     * {@link #UNTIL_CLOSE}; none for a bodyless status.
     */
    static boolean encodeHead(Response r, long length, boolean close, boolean keepAlive10, String requestId,
                              OutboundQueue out) throws InvalidHeaderException {
        int status = r.status();
        Headers h = r.headers();
        int estimate = FIXED_OVERHEAD + (requestId == null ? 0 : REQUEST_ID.length + requestId.length() + 2);
        for (int i = 0; i < h.size(); i++) {
            estimate += h.name(i).length() + 3 * h.value(i).length() + 4;
        }
        ByteBuffer buf = out.reserve(estimate);
        byte[] a = buf.array();
        int p = buf.arrayOffset() + buf.position();
        boolean handlerClose = false;
        String id = requestId;
        p = put(a, p, STATUS_LINES[status]);
        for (int i = 0; i < h.size(); i++) {
            String name = h.name(i);
            if (id != null && name.length() == 12 && name.equalsIgnoreCase(RequestIds.FIELD)) {
                id = null; // the handler's own
            }
            if (isFramingField(name)) {
                if (name.equalsIgnoreCase("connection") && h.value(i).toLowerCase(Locale.ROOT).contains("close")) {
                    handlerClose = true;
                }
                continue;
            }
            p = putName(a, p, name);
            a[p++] = ':';
            a[p++] = ' ';
            p = putValue(a, p, h.value(i));
            a[p++] = '\r';
            a[p++] = '\n';
        }
        if (id != null) {
            p = put(a, p, REQUEST_ID);
            for (int i = 0; i < id.length(); i++) {
                a[p++] = (byte) id.charAt(i); // RequestIds: visible ASCII only
            }
            a[p++] = '\r';
            a[p++] = '\n';
        }
        p = put(a, p, DATE);
        p = put(a, p, HttpDate.bytes());
        a[p++] = '\r';
        a[p++] = '\n';
        boolean bodyless = Status.bodyless(status);
        if (!bodyless && length >= 0) {
            // RFC 9110 §8.6: also for HEAD, the length the GET would have sent
            p = put(a, p, CONTENT_LENGTH);
            p = putDecimal(a, p, length);
            a[p++] = '\r';
            a[p++] = '\n';
        } else if (!bodyless && length == CHUNKED) {
            p = put(a, p, TRANSFER_CHUNKED);
        }
        if (close || handlerClose) {
            p = put(a, p, CONNECTION_CLOSE);
        } else if (keepAlive10) {
            p = put(a, p, CONNECTION_KEEP_ALIVE);
        }
        a[p++] = '\r';
        a[p++] = '\n';
        // Only now is the position moved: an invalid header above leaves the queue untouched.
        buf.position(p - buf.arrayOffset());
        return handlerClose;
    }

    private static int put(byte[] a, int p, byte[] bytes) {
        System.arraycopy(bytes, 0, a, p, bytes.length);
        return p + bytes.length;
    }

    /** Fields whose meaning the engine owns: dropped from handler responses. */
    private static boolean isFramingField(String name) {
        return switch (name.length()) {
            case 4 -> name.equalsIgnoreCase("date");
            case 10 -> name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
            case 14 -> name.equalsIgnoreCase("content-length");
            case 17 -> name.equalsIgnoreCase("transfer-encoding");
            default -> false;
        };
    }

    private static int putName(byte[] a, int p, String name) throws InvalidHeaderException {
        int n = name.length();
        if (n == 0) {
            throw new InvalidHeaderException("empty header name");
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (!FieldSyntax.isTchar(c)) { // RFC 9110 §5.1: field-name = token
                throw new InvalidHeaderException("invalid header name: " + name);
            }
            a[p++] = (byte) c;
        }
        return p;
    }

    /**
     * Writes a field value: ASCII as is, other characters as UTF-8. CR, LF, NUL and other controls
     * would split or corrupt the response: rejected.
     */
    private static int putValue(byte[] a, int p, String value) throws InvalidHeaderException {
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                if (!FieldSyntax.isValueOctet(c)) { // RFC 9110 §5.5
                    throw new InvalidHeaderException("control character in header value");
                }
                a[p++] = (byte) c;
            } else if (c < 0x800) {
                a[p++] = (byte) (0xC0 | (c >> 6));
                a[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, value.charAt(++i));
                a[p++] = (byte) (0xF0 | (cp >> 18));
                a[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                a[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                a[p++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                a[p++] = (byte) (0xE0 | (c >> 12));
                a[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                a[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return p;
    }

    private static int putDecimal(byte[] a, int p, long v) {
        if (v == 0) {
            a[p] = '0';
            return p + 1;
        }
        int digits = 0;
        for (long x = v; x > 0; x /= 10) {
            digits++;
        }
        int end = p + digits;
        for (int i = end - 1; i >= p; i--) {
            a[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return end;
    }
}
