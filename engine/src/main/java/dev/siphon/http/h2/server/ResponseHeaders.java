package dev.siphon.http.h2.server;

import static dev.siphon.http.h2.FrameType.*;

import dev.siphon.http.Headers;
import dev.siphon.http.Response;
import dev.siphon.http.codec.FieldSyntax;
import dev.siphon.http.dispatch.RequestIds;
import dev.siphon.http.h2.FrameWriter;
import dev.siphon.http.h2.hpack.HpackEncoder;
import dev.siphon.http.internal.HttpDate;
import dev.siphon.http.internal.Status;
import dev.siphon.http.net.OutboundQueue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Encodes a response's header block: {@code :status}, the handler's fields lower-cased (RFC 9113
 * §8.2.1) without the connection-specific ones (§8.2.2) and without the framing fields the engine
 * owns, then {@code content-length} and {@code date}. The block is encoded in place into the
 * outbound queue's tail, behind its frame header; only a block larger than the peer's
 * SETTINGS_MAX_FRAME_SIZE goes through a scratch buffer to be split into HEADERS + CONTINUATION.
 * Loop thread only.
 */
final class ResponseHeaders {
    /** A handler's field that cannot be sent. */
    static final class InvalidFieldException extends Exception {
        InvalidFieldException(String message) {
            super(message, null, false, false);
        }
    }

    private ResponseHeaders() {}

    /** Checked, HTTP/2-ready copies of the handler's fields; throws before any HPACK state changes. */
    static String[] fields(Headers h) throws InvalidFieldException {
        String[] out = new String[h.size() * 2];
        int n = 0;
        for (int i = 0; i < h.size(); i++) {
            String name = h.name(i);
            String lower = lowerName(name);
            if (engineOwned(lower)) {
                continue;
            }
            out[n++] = lower;
            out[n++] = octets(h.value(i));
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /**
     * Writes HEADERS (+ CONTINUATION) for {@code r} on {@code streamId}.
     *
     * @param fields from {@link #fields}
     * @param bodyLength the length {@code content-length} announces (HEAD: what GET would send);
     *                   -1 for none (a streaming body of unknown length)
     * @param requestId sent as {@code x-request-id} unless {@code fields} has that field already
     */
    static void write(OutboundQueue out, HpackEncoder enc, int streamId, int status, String[] fields, long bodyLength,
                      boolean endStream, int maxFrameSize, String requestId) {
        String date = HttpDate.text();
        String length = Status.bodyless(status) || bodyLength < 0 ? null : Long.toString(bodyLength);
        int estimate = 16 + HpackEncoder.maxEncodedLength("date", date)
                + (length == null ? 0 : HpackEncoder.maxEncodedLength("content-length", length));
        String id = requestId;
        for (int i = 0; i < fields.length; i += 2) {
            estimate += HpackEncoder.maxEncodedLength(fields[i], fields[i + 1]);
            if (id != null && fields[i].equals(RequestIds.FIELD)) {
                id = null; // the handler's own
            }
        }
        if (id != null) {
            estimate += HpackEncoder.maxEncodedLength(RequestIds.FIELD, id);
        }
        int flags = (endStream ? FLAG_END_STREAM : 0);
        if (estimate <= maxFrameSize) {
            ByteBuffer b = out.reserve(HEADER_LENGTH + estimate);
            int at = b.position();
            FrameWriter.header(b, 0, HEADERS, flags | FLAG_END_HEADERS, streamId);
            encode(enc, b, status, fields, length, date, id);
            FrameWriter.patchLength(b, at, b.position() - at - HEADER_LENGTH);
            return;
        }
        ByteBuffer block = ByteBuffer.allocate(estimate);
        encode(enc, block, status, fields, length, date, id);
        FrameWriter.headerBlock(out, streamId, block.array(), 0, block.position(), endStream, maxFrameSize);
    }

    private static void encode(HpackEncoder enc, ByteBuffer b, int status, String[] fields, String length, String date,
                               String requestId) {
        enc.beginBlock(b);
        enc.encodeStatus(status, b);
        for (int i = 0; i < fields.length; i += 2) {
            enc.encode(fields[i], fields[i + 1], b);
        }
        if (requestId != null) {
            enc.encodeUnindexed(RequestIds.FIELD, requestId, b); // a new value every response: kept out of the table
        }
        if (length != null) {
            enc.encode("content-length", length, b);
        }
        enc.encode("date", date, b);
    }

    /** Fields the engine writes itself or that HTTP/2 forbids (RFC 9113 §8.2.2). */
    private static boolean engineOwned(String lower) {
        return switch (lower) {
            case "date", "content-length", "connection", "keep-alive", "proxy-connection", "transfer-encoding",
                 "upgrade", "te" -> true;
            default -> false;
        };
    }

    private static String lowerName(String name) throws InvalidFieldException {
        int n = name.length();
        if (n == 0) {
            throw new InvalidFieldException("empty header name");
        }
        boolean upper = false;
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (!FieldSyntax.isTchar(c)) { // RFC 9110 §5.1: field-name = token
                throw new InvalidFieldException("invalid header name: " + name);
            }
            upper |= c >= 'A' && c <= 'Z';
        }
        return upper ? name.toLowerCase(Locale.ROOT) : name;
    }

    /** The value as HPACK octets (one char per octet): UTF-8 for non-ASCII text; controls rejected. */
    private static String octets(String v) throws InvalidFieldException {
        boolean ascii = true;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x80 && !FieldSyntax.isValueOctet(c)) { // RFC 9110 §5.5; others go as UTF-8
                throw new InvalidFieldException("control character in header value");
            }
            ascii &= c < 0x80;
        }
        return ascii ? v : new String(v.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }
}
