package dev.siphon.http.h1;

import dev.siphon.http.Headers;
import dev.siphon.http.Response;
import dev.siphon.http.internal.HttpDate;
import dev.siphon.http.internal.Status;
import dev.siphon.http.net.OutboundQueue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes HTTP/1.1 responses (RFC 9112 §4, §6). Response framing is decided here and only here:
 * the engine always sends {@code Content-Length} (the body is whole), never the handler's
 * framing fields, and no body for HEAD, 1xx, 204 and 304. Loop thread only; stateless.
 */
public final class Http1Encoder {
    private static final byte[][] STATUS_LINES = new byte[1000][];
    private static final byte[] DATE = "date: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "content-length: ".getBytes(StandardCharsets.US_ASCII);
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
        int status = r.status();
        Headers h = r.headers();
        byte[] body = r.body();
        int estimate = FIXED_OVERHEAD;
        for (int i = 0; i < h.size(); i++) {
            estimate += h.name(i).length() + 3 * h.value(i).length() + 4;
        }
        ByteBuffer buf = out.reserve(estimate);
        int start = buf.position();
        boolean handlerClose = false;
        try {
            buf.put(STATUS_LINES[status]);
            for (int i = 0; i < h.size(); i++) {
                String name = h.name(i);
                if (isFramingField(name)) {
                    if (name.equalsIgnoreCase("connection") && h.value(i).toLowerCase(java.util.Locale.ROOT).contains("close")) {
                        handlerClose = true;
                    }
                    continue;
                }
                putName(buf, name);
                buf.put((byte) ':').put((byte) ' ');
                putValue(buf, h.value(i));
                buf.put((byte) '\r').put((byte) '\n');
            }
            buf.put(DATE).put(HttpDate.bytes()).put((byte) '\r').put((byte) '\n');
            boolean bodyless = Status.bodyless(status);
            if (!bodyless) {
                // RFC 9110 §8.6: also for HEAD, the length the GET would have sent
                buf.put(CONTENT_LENGTH);
                putDecimal(buf, body.length);
                buf.put((byte) '\r').put((byte) '\n');
            }
            if (close || handlerClose) {
                buf.put(CONNECTION_CLOSE);
            } else if (keepAlive10) {
                buf.put(CONNECTION_KEEP_ALIVE);
            }
            buf.put((byte) '\r').put((byte) '\n');
            if (!bodyless && !headRequest) {
                out.add(body);
            }
        } catch (InvalidHeaderException e) {
            buf.position(start);
            throw e;
        }
        return handlerClose;
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

    private static void putName(ByteBuffer buf, String name) throws InvalidHeaderException {
        int n = name.length();
        if (n == 0) {
            throw new InvalidHeaderException("empty header name");
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c > 0x7E || c <= ' ' || c == ':' || c == '"' || c == '(' || c == ')' || c == ',' || c == '/'
                    || c == ';' || c == '<' || c == '=' || c == '>' || c == '?' || c == '@' || c == '['
                    || c == '\\' || c == ']' || c == '{' || c == '}') {
                throw new InvalidHeaderException("invalid header name: " + name);
            }
            buf.put((byte) c);
        }
    }

    /**
     * Writes a field value: ASCII as is, other characters as UTF-8. CR, LF, NUL and other controls
     * would split or corrupt the response: rejected.
     */
    private static void putValue(ByteBuffer buf, String value) throws InvalidHeaderException {
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                if ((c < ' ' && c != '\t') || c == 0x7F) {
                    throw new InvalidHeaderException("control character in header value");
                }
                buf.put((byte) c);
            } else if (c < 0x800) {
                buf.put((byte) (0xC0 | (c >> 6))).put((byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, value.charAt(++i));
                buf.put((byte) (0xF0 | (cp >> 18))).put((byte) (0x80 | ((cp >> 12) & 0x3F)))
                        .put((byte) (0x80 | ((cp >> 6) & 0x3F))).put((byte) (0x80 | (cp & 0x3F)));
            } else {
                buf.put((byte) (0xE0 | (c >> 12))).put((byte) (0x80 | ((c >> 6) & 0x3F))).put((byte) (0x80 | (c & 0x3F)));
            }
        }
    }

    private static void putDecimal(ByteBuffer buf, int v) {
        if (v == 0) {
            buf.put((byte) '0');
            return;
        }
        int digits = 0;
        for (int x = v; x > 0; x /= 10) {
            digits++;
        }
        int end = buf.position() + digits;
        for (int i = end - 1; i >= buf.position(); i--) {
            buf.put(i, (byte) ('0' + v % 10));
            v /= 10;
        }
        buf.position(end);
    }
}
