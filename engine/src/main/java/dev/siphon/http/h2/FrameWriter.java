package dev.siphon.http.h2;

import static dev.siphon.http.h2.FrameType.*;

import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.net.OutboundQueue;
import java.nio.ByteBuffer;

/**
 * Writes HTTP/2 frames (RFC 9113 §6) straight into a connection's {@link OutboundQueue}: headers
 * and small payloads into its pooled tail, large DATA payloads queued as they are, without a copy.
 * Loop thread only; stateless.
 */
public final class FrameWriter {
    /** DATA payloads up to this size are copied next to their frame header (one buffer, one write). */
    private static final int COPY_DATA_BELOW = 4096;

    private FrameWriter() {}

    public static void header(ByteBuffer b, int length, int type, int flags, int streamId) {
        b.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length)
                .put((byte) type).put((byte) flags).putInt(streamId);
    }

    /** Rewrites the 24-bit length of the frame header at {@code at}. */
    public static void patchLength(ByteBuffer b, int at, int length) {
        b.put(at, (byte) (length >>> 16)).put(at + 1, (byte) (length >>> 8)).put(at + 2, (byte) length);
    }

    /** Our SETTINGS: only the values that differ from the RFC's initial ones (RFC 9113 §6.5.2). */
    public static void settings(OutboundQueue out, Http2Settings s) {
        ByteBuffer b = out.reserve(HEADER_LENGTH + 6 * 5);
        int at = b.position();
        header(b, 0, SETTINGS, 0, 0);
        int n = 0;
        if (s.headerTableSize() != 4096) {
            b.putShort((short) SETTINGS_HEADER_TABLE_SIZE).putInt(s.headerTableSize());
            n++;
        }
        b.putShort((short) SETTINGS_MAX_CONCURRENT_STREAMS).putInt(s.maxConcurrentStreams());
        n++;
        if (s.initialWindowSize() != Http2Settings.DEFAULT_WINDOW) {
            b.putShort((short) SETTINGS_INITIAL_WINDOW_SIZE).putInt(s.initialWindowSize());
            n++;
        }
        if (s.maxFrameSize() != Http2Settings.MIN_MAX_FRAME_SIZE) {
            b.putShort((short) SETTINGS_MAX_FRAME_SIZE).putInt(s.maxFrameSize());
            n++;
        }
        b.putShort((short) SETTINGS_MAX_HEADER_LIST_SIZE).putInt(s.maxHeaderListSize());
        n++;
        patchLength(b, at, 6 * n);
    }

    /** The client connection preface (RFC 9113 §3.4); a SETTINGS frame must follow it. */
    public static void preface(OutboundQueue out) {
        out.add(PREFACE);
    }

    public static void settingsAck(OutboundQueue out) {
        header(out.reserve(HEADER_LENGTH), 0, SETTINGS, FLAG_ACK, 0);
    }

    public static void pingAck(OutboundQueue out, byte[] a, int off) {
        ByteBuffer b = out.reserve(HEADER_LENGTH + 8);
        header(b, 8, PING, FLAG_ACK, 0);
        b.put(a, off, 8);
    }

    public static void ping(OutboundQueue out, byte[] opaque) {
        ByteBuffer b = out.reserve(HEADER_LENGTH + 8);
        header(b, 8, PING, 0, 0);
        b.put(opaque, 0, 8);
    }

    public static void windowUpdate(OutboundQueue out, int streamId, int increment) {
        ByteBuffer b = out.reserve(HEADER_LENGTH + 4);
        header(b, 4, WINDOW_UPDATE, 0, streamId);
        b.putInt(increment);
    }

    public static void rstStream(OutboundQueue out, int streamId, ErrorCode code) {
        ByteBuffer b = out.reserve(HEADER_LENGTH + 4);
        header(b, 4, RST_STREAM, 0, streamId);
        b.putInt(code.code());
    }

    public static void goAway(OutboundQueue out, int lastStreamId, ErrorCode code, byte[] debug) {
        int n = Math.min(debug.length, 256);
        ByteBuffer b = out.reserve(HEADER_LENGTH + 8 + n);
        header(b, 8 + n, GOAWAY, 0, 0);
        b.putInt(lastStreamId).putInt(code.code()).put(debug, 0, n);
    }

    /** One DATA frame carrying {@code body[off, off+len)}. */
    public static void data(OutboundQueue out, int streamId, byte[] body, int off, int len, boolean endStream) {
        int flags = endStream ? FLAG_END_STREAM : 0;
        if (len < COPY_DATA_BELOW) {
            ByteBuffer b = out.reserve(HEADER_LENGTH + len);
            header(b, len, DATA, flags, streamId);
            b.put(body, off, len);
        } else {
            header(out.reserve(HEADER_LENGTH), len, DATA, flags, streamId);
            out.add(body, off, len);
        }
    }

    /**
     * An encoded header block as HEADERS then CONTINUATION frames of at most {@code maxFrameSize}
     * octets each (RFC 9113 §4.3), the last with END_HEADERS; END_STREAM on the HEADERS frame.
     */
    public static void headerBlock(OutboundQueue out, int streamId, byte[] block, int off, int len, boolean endStream,
                                   int maxFrameSize) {
        int type = HEADERS;
        int end = off + len;
        do {
            int n = Math.min(end - off, maxFrameSize);
            boolean last = off + n == end;
            ByteBuffer b = out.reserve(HEADER_LENGTH + n);
            header(b, n, type, (type == HEADERS && endStream ? FLAG_END_STREAM : 0) | (last ? FLAG_END_HEADERS : 0),
                    streamId);
            b.put(block, off, n);
            off += n;
            type = CONTINUATION;
        } while (off < end);
    }

    /**
     * DATA frames for {@code body} from {@code off}, as far as the stream's and the connection's
     * send windows and the peer's frame size allow (RFC 9113 §6.9), consuming both windows; the
     * frame that ends the body carries END_STREAM. Stops early once {@code out} holds more than
     * {@code maxQueued} octets, so a peer that does not read is not sent more.
     *
     * @return the offset reached: {@code body.length} when all of it was written
     */
    public static int dataWithinWindows(OutboundQueue out, int streamId, byte[] body, int off, FlowControlWindow stream,
                                        FlowControlWindow connection, int maxFrameSize, long maxQueued) {
        while (off < body.length) {
            int n = Math.min(Math.min(body.length - off, maxFrameSize),
                    Math.min(stream.available(), connection.available()));
            if (n == 0 || out.pendingBytes() > maxQueued) {
                return off;
            }
            data(out, streamId, body, off, n, off + n == body.length);
            off += n;
            stream.consume(n);
            connection.consume(n);
        }
        return off;
    }
}
