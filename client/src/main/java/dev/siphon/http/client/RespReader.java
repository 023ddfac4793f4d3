package dev.siphon.http.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads RESP2 replies (the Redis serialization protocol) from the bytes of one connection, as
 * they arrive in pieces. A reply becomes: a simple string ({@code +OK}) a {@link String}, an
 * error ({@code -ERR ...}) a {@link RespReader.Error}, an integer a {@link Long}, a bulk string a
 * {@code byte[]} (the null bulk string {@code null}), an array a {@link List} (the null array
 * {@code null}). Bounded: a reply larger than {@link #MAX_BULK} or nested deeper than
 * {@link #MAX_DEPTH} is a protocol error. Loop thread only.
 */
final class RespReader {
    /** Largest bulk string and largest buffered reply accepted. */
    static final int MAX_BULK = 128 << 20;
    static final int MAX_DEPTH = 16;
    /** Most elements of one array (SCAN's batches and list_pop_all's lists stay far below). */
    static final int MAX_ELEMENTS = 16 << 20;

    /** An error reply; its text is the server's ("WRONGTYPE Operation against a key ..."). */
    record Error(String message) {
    }

    /** What {@link #next} returns while a reply is still incomplete. */
    static final Object INCOMPLETE = new Object();

    /** The bytes do not follow RESP. */
    static final class ProtocolException extends Exception {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }

    private byte[] buf = new byte[4096];
    private int start;
    private int end;
    private int pos;

    /** Appends what {@code in} holds (read mode), consuming it. */
    void feed(ByteBuffer in) throws ProtocolException {
        int n = in.remaining();
        if (end + n > buf.length) {
            if (end - start + n > MAX_BULK + 4096) {
                throw new ProtocolException("a reply of more than " + MAX_BULK + " bytes");
            }
            if (end - start + n <= buf.length / 2) {
                System.arraycopy(buf, start, buf, 0, end - start);
            } else {
                byte[] bigger = new byte[Math.max(buf.length * 2, end - start + n)];
                System.arraycopy(buf, start, bigger, 0, end - start);
                buf = bigger;
            }
            end -= start;
            start = 0;
        }
        in.get(buf, end, n);
        end += n;
    }

    /** The next whole reply, or {@link #INCOMPLETE}. */
    Object next() throws ProtocolException {
        pos = start;
        Object v = value(0);
        if (v != INCOMPLETE) {
            start = pos;
            if (start == end) {
                start = end = 0;
                if (buf.length > 65536) {
                    buf = new byte[4096];
                }
            }
        }
        return v;
    }

    private Object value(int depth) throws ProtocolException {
        if (depth > MAX_DEPTH) {
            throw new ProtocolException("replies nested more than " + MAX_DEPTH + " deep");
        }
        int lineEnd = lineEnd();
        if (lineEnd < 0) {
            return INCOMPLETE;
        }
        byte type = buf[pos];
        String line = new String(buf, pos + 1, lineEnd - pos - 1, StandardCharsets.UTF_8);
        pos = lineEnd + 2;
        switch (type) {
            case '+':
                return line;
            case '-':
                return new Error(line);
            case ':':
                return number(line);
            case '$': {
                long len = number(line);
                if (len == -1) {
                    return null;
                }
                if (len < 0 || len > MAX_BULK) {
                    throw new ProtocolException("a bulk string of length " + len);
                }
                if (end - pos < len + 2) {
                    return INCOMPLETE;
                }
                byte[] b = Arrays.copyOfRange(buf, pos, pos + (int) len);
                pos += (int) len;
                if (buf[pos] != '\r' || buf[pos + 1] != '\n') {
                    throw new ProtocolException("a bulk string not followed by CRLF");
                }
                pos += 2;
                return b;
            }
            case '*': {
                long n = number(line);
                if (n == -1) {
                    return null;
                }
                if (n < 0 || n > MAX_ELEMENTS) {
                    throw new ProtocolException("an array of " + n + " elements");
                }
                List<Object> out = new ArrayList<>((int) Math.min(n, 1024));
                for (long i = 0; i < n; i++) {
                    Object e = value(depth + 1);
                    if (e == INCOMPLETE) {
                        return INCOMPLETE;
                    }
                    out.add(e);
                }
                return out;
            }
            default:
                throw new ProtocolException("a reply starting with byte " + (type & 0xff));
        }
    }

    /** The index of the CR of the line at {@link #pos}, or -1 when the line is not complete. */
    private int lineEnd() throws ProtocolException {
        for (int i = pos; i + 1 < end; i++) {
            if (buf[i] == '\r') {
                if (buf[i + 1] != '\n') {
                    throw new ProtocolException("a CR not followed by LF");
                }
                return i;
            }
            if (i - pos > 65536) {
                throw new ProtocolException("a reply line longer than 64 KiB");
            }
        }
        return -1;
    }

    private static long number(String s) throws ProtocolException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new ProtocolException("not a number: " + s);
        }
    }

    /** The bytes of a command: an array of bulk strings. */
    static byte[] encode(byte[]... args) {
        int size = 16;
        for (byte[] a : args) {
            size += a.length + 16;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) '*').put(Integer.toString(args.length).getBytes(StandardCharsets.US_ASCII)).put((byte) '\r').put((byte) '\n');
        for (byte[] a : args) {
            b.put((byte) '$').put(Integer.toString(a.length).getBytes(StandardCharsets.US_ASCII)).put((byte) '\r').put((byte) '\n');
            b.put(a).put((byte) '\r').put((byte) '\n');
        }
        return Arrays.copyOf(b.array(), b.position());
    }
}
